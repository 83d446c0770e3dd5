import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { toBulkCsv } from '../../../src/connectors/salesforce-bulk';
import { describeErrors, mergeInto, splitSaveResults, toFields, type SalesforceRecord } from '../../../src/connectors/salesforce-records';
import type { Change } from '../../../src/feed/change-feed';

const change = (seq: number) => ({ seq }) as unknown as Change;
const record = (id: string, fields: SalesforceRecord['fields'] = {}, seq = 1): SalesforceRecord => ({ id, fields, changes: [change(seq)] });

// The per-record reading of Salesforce's answers and the CSV of a Bulk API 2.0 job (ADR 0037).
describe('Salesforce records', () => {
  it('splits an sObject collections answer by position, and counts a missing result as refused', () => {
    const records = [record('a'), record('b'), record('c')];
    const { taken, refused } = splitSaveResults(records, [
      { id: '001A', success: true, errors: [] },
      {
        success: false,
        errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }],
      },
    ]);
    assert.deepEqual(
      taken.map((r) => r.id),
      ['a'],
    );
    assert.deepEqual(
      refused.map((r) => [r.record.id, r.message]),
      [
        ['b', 'REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)'],
        ['c', 'Salesforce returned no result for this record'],
      ],
    );
    assert.equal(describeErrors([]), 'Salesforce returned success: false without an error');
  });

  it('merges the changes of one record, later values winning, and leaves nulls out', () => {
    const into = new Map<string, SalesforceRecord>();
    mergeInto(into, record('u1', toFields({ Email: 'a@x.test', LastName: 'Old', Phone: null }, new Set()), 1));
    mergeInto(into, record('u1', toFields({ LastName: 'New', FirstName: undefined, Tags: ['x'] }, new Set()), 2));
    assert.deepEqual(into.get('u1')?.fields, { Email: 'a@x.test', LastName: 'New', Tags: '["x"]' });
    assert.deepEqual(
      into.get('u1')?.changes.map((c) => c.seq),
      [1, 2],
    );
  });

  it('writes a job CSV that survives commas, quotes and line breaks, with references as Relationship.Field columns', () => {
    const csv = toBulkCsv(
      [
        record('c1', { Name: 'Acme, "the" company', Description: 'two\nlines' }),
        record('u1', { LastName: 'Lovelace', Account: { AppDirect_Id__c: 'c1' } }),
      ],
      'AppDirect_Id__c',
    );
    assert.equal(csv.split('\n')[0], 'AppDirect_Id__c,Name,Description,LastName,Account.AppDirect_Id__c');
    assert.deepEqual(parse(csv, { columns: true }), [
      { AppDirect_Id__c: 'c1', Name: 'Acme, "the" company', Description: 'two\nlines', LastName: '', 'Account.AppDirect_Id__c': '' },
      { AppDirect_Id__c: 'u1', Name: '', Description: '', LastName: 'Lovelace', 'Account.AppDirect_Id__c': 'c1' },
    ]);
  });
});
