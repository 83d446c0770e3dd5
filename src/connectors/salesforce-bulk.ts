import { stringify } from 'csv-stringify/sync';
import type { Connection } from 'jsforce';
import type { SalesforceRecord } from './salesforce-records';

/** What one Bulk API 2.0 ingest job did per record. */
export interface BulkOutcome {
  taken: SalesforceRecord[];
  /** Each failed record with its `sf__Error` (`STATUS_CODE:message:fields --`). */
  refused: Array<{ record: SalesforceRecord; message: string }>;
  /** Records the job did not process (it failed or was aborted part way), or that no result names. */
  unprocessed: SalesforceRecord[];
}

export interface BulkJobOptions {
  object: string;
  externalIdField: string;
  pollIntervalMs: number;
  pollTimeoutMs: number;
}

/**
 * The CSV of an upsert job: one column per field any record has (a reference `Account: { AppDirect_Id__c }` becomes
 * the column `Account.AppDirect_Id__c`), the External ID column first. A field a record lacks is left empty, which
 * Bulk API 2.0 reads as "leave as is" (only `#N/A` clears a field), as the collections path leaves out nulls.
 */
export function toBulkCsv(records: readonly SalesforceRecord[], externalIdField: string): string {
  const columns = new Set<string>([externalIdField]);
  const rows = records.map((r) => {
    const row: Record<string, string> = { [externalIdField]: r.id };
    for (const [field, value] of Object.entries(r.fields)) {
      if (typeof value === 'object') {
        for (const [refField, refValue] of Object.entries(value)) row[`${field}.${refField}`] = refValue;
      } else row[field] = String(value);
    }
    for (const column of Object.keys(row)) columns.add(column);
    return row;
  });
  return stringify(rows, { header: true, columns: [...columns], record_delimiter: 'unix' });
}

/**
 * Upserts records through one Bulk API 2.0 ingest job, with the official client's job lifecycle: create (operation
 * upsert, externalIdFieldName), upload the CSV, close (UploadComplete), poll until JobComplete, then read the
 * successful, failed and unprocessed records, matched back by their External ID column.
 * @remarks A job that fails or times out throws (jsforce's error); the caller keeps its checkpoint and the next run
 * sends the same records again, which an upsert by External ID makes harmless.
 */
export async function bulkUpsert(conn: Connection, records: readonly SalesforceRecord[], options: BulkJobOptions): Promise<BulkOutcome> {
  const job = conn.bulk2.createJob({ object: options.object, operation: 'upsert', externalIdFieldName: options.externalIdField });
  await job.open();
  await job.uploadData(toBulkCsv(records, options.externalIdField));
  await job.close();
  let failedJob: unknown;
  try {
    await job.poll(options.pollIntervalMs, options.pollTimeoutMs);
  } catch (err) {
    // A Failed or Aborted job still has results for what it did; a polling timeout has not.
    if (!/failed to complete|aborted/i.test(err instanceof Error ? err.message : '')) throw err;
    failedJob = err;
  }
  const { successfulResults, failedResults, unprocessedRecords } = await job.getAllResults();
  const byId = new Map(records.map((r) => [r.id, r]));
  const outcome: BulkOutcome = { taken: [], refused: [], unprocessed: [] };
  const take = (row: Record<string, unknown>): SalesforceRecord | undefined => {
    const id = row[options.externalIdField];
    const record = typeof id === 'string' ? byId.get(id) : undefined;
    if (record !== undefined) byId.delete(record.id);
    return record;
  };
  for (const row of successfulResults as Array<Record<string, unknown>>) {
    const record = take(row);
    if (record) outcome.taken.push(record);
  }
  for (const row of failedResults as Array<Record<string, unknown>>) {
    const record = take(row);
    if (record) outcome.refused.push({ record, message: String(row.sf__Error ?? 'failed without sf__Error').slice(0, 2000) });
  }
  for (const row of unprocessedRecords as Array<Record<string, unknown>>) {
    const record = take(row);
    if (record) outcome.unprocessed.push(record);
  }
  outcome.unprocessed.push(...byId.values());
  if (failedJob !== undefined && outcome.taken.length === 0 && outcome.refused.length === 0) throw failedJob;
  return outcome;
}
