import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { forEachDatabase } from '../helpers/test-databases';
import { runCli } from '../helpers/run-cli';
import { ROOT } from './connector-fixtures';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  COMPANIES,
  companyUuid,
  PARKED,
  REFUSED_COMPANY,
  SalesforceSuite,
  startFakeSalesforce,
  USERS,
  userUuid,
} from './salesforce-fixtures';

// Issue 17: Accounts and Contacts upserted into Salesforce through jsforce, by External ID, in sObject collections
// (allOrNone false), against a local contract server; refused records parked with Salesforce's error, the others
// taken exactly once; a replay changes nothing.
forEachDatabase('Salesforce connector', (ctx) => {
  const suite = new SalesforceSuite(ctx);
  beforeEach(async function () {
    this.timeout(60_000);
    await suite.setUp();
  });
  afterEach(async () => {
    await suite.sf?.close();
  });

  it('takes every accepted record once with its mapped fields, parks each refused one with Salesforce error, and a replay changes nothing', async function () {
    this.timeout(60_000);
    const outcome = await suite.run();
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const accounts = suite.sf.org.of('Account');
    const contacts = suite.sf.org.of('Contact');

    // Accounts: all but the refused one, with the fields of mappings/out/salesforce/company.yaml.
    assert.equal(accounts.size, COMPANIES - 1);
    assert.equal(accounts.has(companyUuid(5)), false);
    assert.deepEqual(accounts.get(companyUuid(1))?.fields, {
      AppDirect_Id__c: companyUuid(1),
      Name: 'Company 1',
      Phone: '+1 514 555 0100',
      BillingStreet: '1 Main Street, Suite 200',
      BillingCity: 'Montreal',
      BillingState: 'QC',
      BillingPostalCode: 'H2X 1Y4',
      BillingCountry: 'CA',
    });
    assert.equal(accounts.get(companyUuid(1))?.writes, 1, 'written once');

    // Contacts: one per user (its user and membership changes are one record), linked to their Account by
    // External ID; none of company 5 (no Account) or company 7 (refused).
    assert.equal(contacts.size, (COMPANIES - 2) * USERS);
    assert.deepEqual(contacts.get(userUuid(2, 3))?.fields, {
      AppDirect_Id__c: userUuid(2, 3),
      Email: 'user-2-3@example.test',
      FirstName: 'First3',
      LastName: 'Last2',
      AccountId: accounts.get(companyUuid(2))?.Id,
    });
    for (const contact of contacts.values()) {
      assert.equal(contact.writes, 1);
      assert.equal('appdirect_company_id' in contact.fields, false, 'the link field is the Account reference, not a field');
    }

    // Parked: company 5 and company 7's users and memberships with Salesforce's statusCode, message and fields;
    // company 5's users and memberships with the missing Account.
    const failures = await suite.parked();
    const byKey = new Map(failures.map((f) => [`${f.entity} ${f.key}`, f]));
    const company5 = byKey.get(`company ${companyUuid(5)}`);
    assert.equal(company5?.code, 'CONNECTOR_REFUSED');
    assert.equal(company5?.response, 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Account name is on the blocklist (fields: Name)');
    for (let u = 1; u <= USERS; u++) {
      for (const key of [`user ${userUuid(7, u)}`, `membership ${companyUuid(7)}:${userUuid(7, u)}`]) {
        assert.equal(
          byKey.get(key)?.response,
          `INVALID_EMAIL_ADDRESS: Email: invalid email address: user-7-${u}@example.test (fields: Email)`,
          key,
        );
      }
      for (const key of [`user ${userUuid(5, u)}`, `membership ${companyUuid(5)}:${userUuid(5, u)}`]) {
        assert.match(
          byKey.get(key)?.response ?? '',
          new RegExp(`^INVALID_FIELD: Foreign key external ID: ${companyUuid(5)} not found`),
          key,
        );
      }
    }
    assert.equal(failures.length, PARKED, JSON.stringify(failures.map((f) => [f.entity, f.key, f.response])));

    // The requests jsforce sent: one client-credentials token request, then sObject collections upserts by
    // External ID, Accounts first, at most batchSize records, allOrNone false, each record typed.
    const [tokenRequest, ...calls] = suite.sf.requests;
    assert.equal(tokenRequest?.path, '/services/oauth2/token');
    assert.deepEqual(tokenRequest?.body, { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.ok(calls.length >= Math.ceil((COMPANIES - 0) / 10) + Math.ceil((COMPANIES * USERS) / 10));
    assert.equal(calls[0]?.path, '/services/data/v62.0/composite/sobjects/Account/AppDirect_Id__c');
    for (const r of calls) {
      assert.equal(r.method, 'PATCH');
      assert.match(r.path, /^\/services\/data\/v62\.0\/composite\/sobjects\/(Account|Contact)\/AppDirect_Id__c$/);
      assert.equal(r.headers.authorization, `Bearer ${suite.sf.tokens[0]}`);
      const body = r.body as { allOrNone: boolean; records: Array<Record<string, unknown>> };
      assert.equal(body.allOrNone, false);
      assert.ok(body.records.length >= 1 && body.records.length <= 10);
      const object = r.path.split('/')[6];
      for (const record of body.records) assert.deepEqual(record.attributes, { type: object });
    }
    const contactCall = calls.find((r) => r.path.includes('/Contact/'));
    const sent = (contactCall?.body as { records: Array<Record<string, unknown>> }).records[0];
    assert.deepEqual(sent?.Account, { AppDirect_Id__c: companyUuid(1) });

    // A replay of the whole feed: the same records, nothing created, nothing parked twice.
    const before = suite.snapshot();
    await suite.db('consumers').where({ name: 'connector:sf' }).update({ cursor: 0 });
    const replay = await suite.run();
    assert.equal(replay.status, 'ok', JSON.stringify(replay.error));
    assert.equal(suite.snapshot(), before);
    assert.equal(suite.sf.org.of('Contact').size, (COMPANIES - 2) * USERS);
    assert.equal((await suite.parked()).length, failures.length, 'no refused change parked twice');
  });

  it('fails the run on a wrong client secret without logging it, and retries a parked company once Salesforce takes it', async function () {
    this.timeout(60_000);
    const wrong = await suite.run({ auth: { flow: 'client_credentials', clientId: CLIENT_ID, clientSecret: 'not-the-secret-42' } });
    assert.equal(wrong.status, 'failed');
    assert.equal(wrong.error?.code, 'CONNECTOR_AUTH_FAILED');
    assert.match(wrong.error?.message ?? '', /invalid_client/);
    assert.doesNotMatch(JSON.stringify(wrong.error), /not-the-secret-42/);
    assert.equal(suite.sf.org.of('Account').size, 0);
    assert.equal(await suite.checkpoint(), 0);

    await suite.run();
    const failure = (await suite.parked()).find((f) => f.entity === 'company');
    assert.ok(failure);
    await suite.sf.close();
    suite.sf = await startFakeSalesforce({ refuse: undefined });
    const c = suite.container();
    try {
      const resolution = await c.connectorFailures.retry('sf', failure.id);
      assert.equal(resolution.failure.state, 'retried');
    } finally {
      await c.close();
    }
    assert.equal(suite.sf.org.of('Account').get(companyUuid(5))?.fields.Name, REFUSED_COMPANY);
  });

  it('connectors run --dry-run and preview print the requests they would send, send nothing, and read the secret from a file', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-sf-'));
    try {
      const secretFile = join(dir, 'sf-secret');
      writeFileSync(secretFile, `${CLIENT_SECRET}\n`);
      const configFile = join(dir, 'config.yaml');
      const sf = {
        type: 'salesforce',
        loginUrl: suite.sf.url,
        auth: { flow: 'client_credentials', clientId: CLIENT_ID },
        outputMappings: join(ROOT, 'mappings', 'out', 'salesforce'),
      };
      const settings = { db: ctx.config, mappings: { dir: join(ROOT, 'mappings') }, log: { level: 'warn' } };
      writeFileSync(configFile, stringify({ environment: 'test', sources: {}, ...settings, connectors: { sf } }));
      const env = { APPDIRECT_SYNC__connectors__sf__auth__clientSecret_FILE: secretFile };
      const dry = await runCli(['--config', configFile, 'connectors', 'run', 'sf', '--dry-run', '--limit', '3'], { env });
      assert.equal(dry.code, 0, dry.stderr);
      const lines = dry.stdout
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as { entity: string; cursor: string; sends: { requests: Array<{ method: string; url: string; body: unknown }> } },
        );
      assert.deepEqual(
        lines.map((l) => l.entity),
        ['company', 'user', 'membership'],
      );
      assert.deepEqual(lines[0]?.sends.requests, [
        {
          method: 'PATCH',
          url: '{instance_url}/services/data/v62.0/composite/sobjects/Account/AppDirect_Id__c',
          body: {
            allOrNone: false,
            records: [
              {
                attributes: { type: 'Account' },
                AppDirect_Id__c: companyUuid(1),
                Name: 'Company 1',
                Phone: '+1 514 555 0100',
                BillingStreet: '1 Main Street, Suite 200',
                BillingCity: 'Montreal',
                BillingState: 'QC',
                BillingPostalCode: 'H2X 1Y4',
                BillingCountry: 'CA',
              },
            ],
          },
        },
      ]);
      const membership = lines[2]?.sends.requests[0];
      assert.equal(membership?.url, '{instance_url}/services/data/v62.0/composite/sobjects/Contact/AppDirect_Id__c');
      assert.deepEqual((membership?.body as { records: Array<Record<string, unknown>> }).records[0]?.Account, {
        AppDirect_Id__c: companyUuid(1),
      });

      const preview = await runCli(['--config', configFile, 'connectors', 'preview', 'sf', '--seq', lines[1]?.cursor ?? ''], { env });
      assert.equal(preview.code, 0, preview.stderr);
      const shown = JSON.parse(preview.stdout) as { type: string; sends: { requests: Array<{ body: { records: unknown[] } }> } };
      assert.equal(shown.type, 'salesforce');
      assert.deepEqual(shown.sends.requests[0]?.body.records[0], {
        attributes: { type: 'Contact' },
        AppDirect_Id__c: userUuid(1, 1),
        Email: 'user-1-1@example.test',
        FirstName: 'First1',
        LastName: 'Last1',
      });

      assert.equal(suite.sf.requests.length, 0, 'nothing sent, not even a token request');
      assert.doesNotMatch(dry.stdout + dry.stderr + preview.stdout + preview.stderr, new RegExp(CLIENT_SECRET));
      assert.equal(await suite.checkpoint(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
