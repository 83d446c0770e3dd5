import assert from 'node:assert/strict';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { parse } from 'csv-parse/sync';
import { forEachDatabase } from '../helpers/test-databases';
import { crmChanges } from '../helpers/crm-feed';
import { CLIENT_ID, COMPANIES, companyUuid, PARKED, SalesforceSuite, USERS, userUuid } from './salesforce-fixtures';

const BULK = { threshold: 10, pageSize: 50_000, pollIntervalMs: 5, pollTimeoutMs: 10_000 };

// Issue 17: the Salesforce connector's Bulk API 2.0 path, its two token flows, an expired session and the org's
// request limit, against the local contract server.
forEachDatabase('Salesforce connector: bulk, token flows, session expiry, request limits', (ctx) => {
  const suite = new SalesforceSuite(ctx);
  afterEach(async () => {
    await suite.sf?.close();
  });

  it('a backlog above the threshold goes through ingest jobs: same records as collections, failures parked with sf__Error, unprocessed ones sent as collections', async function () {
    this.timeout(60_000);
    // User 3-1's Contact is left unprocessed by its job: the connector sends it through a collection instead.
    await suite.setUp({ unprocessed: (object, id) => object === 'Contact' && id === userUuid(3, 1) });
    const outcome = await suite.run({ bulk: BULK });
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    assert.equal(outcome.delivered, COMPANIES * (1 + 2 * USERS) - PARKED);
    const accounts = suite.sf.org.of('Account');
    const contacts = suite.sf.org.of('Contact');
    assert.equal(accounts.size, COMPANIES - 1);
    assert.equal(contacts.size, (COMPANIES - 2) * USERS);
    assert.equal(accounts.get(companyUuid(1))?.fields.BillingStreet, '1 Main Street, Suite 200');
    assert.deepEqual(contacts.get(userUuid(3, 1))?.fields, {
      AppDirect_Id__c: userUuid(3, 1),
      Email: 'user-3-1@example.test',
      FirstName: 'First1',
      LastName: 'Last3',
      AccountId: accounts.get(companyUuid(3))?.Id,
    });

    // The job lifecycle, per sObject: create (upsert by External ID), upload CSV, close, poll, results.
    const jobs = [...suite.sf.bulk.jobs.values()];
    assert.deepEqual(
      jobs.map((j) => [j.object, j.operation, j.externalIdFieldName, j.state]),
      [
        ['Account', 'upsert', 'AppDirect_Id__c', 'JobComplete'],
        ['Contact', 'upsert', 'AppDirect_Id__c', 'JobComplete'],
      ],
    );
    const contactRows = parse(jobs[1]?.csv ?? '', { columns: true }) as Array<Record<string, string>>;
    assert.equal(contactRows.length, COMPANIES * USERS, 'one row per Contact: its user and membership merged');
    assert.deepEqual(
      contactRows.find((r) => r.AppDirect_Id__c === userUuid(2, 1)),
      {
        AppDirect_Id__c: userUuid(2, 1),
        Email: 'user-2-1@example.test',
        FirstName: 'First1',
        LastName: 'Last2',
        'Account.AppDirect_Id__c': companyUuid(2),
      },
    );
    const api = suite.sf.requests
      .filter((r) => r.path.startsWith('/services/data/'))
      .map((r) => `${r.method} ${r.path.replace(/750\d+/, '{id}')}`);
    const lifecycle = [
      'POST /services/data/v62.0/jobs/ingest',
      'PUT /services/data/v62.0/jobs/ingest/{id}/batches',
      'PATCH /services/data/v62.0/jobs/ingest/{id}',
      'GET /services/data/v62.0/jobs/ingest/{id}',
      'GET /services/data/v62.0/jobs/ingest/{id}',
    ];
    assert.deepEqual(api.slice(0, 5), lifecycle);
    for (const results of ['successfulResults', 'failedResults', 'unprocessedrecords'])
      assert.ok(api.includes(`GET /services/data/v62.0/jobs/ingest/{id}/${results}`), results);
    const create = suite.sf.requests.find((r) => r.method === 'POST' && r.path.endsWith('/jobs/ingest'));
    assert.deepEqual(create?.body, { object: 'Account', operation: 'upsert', externalIdFieldName: 'AppDirect_Id__c' });
    const close = suite.sf.requests.find((r) => r.method === 'PATCH' && r.path.includes('/jobs/ingest/'));
    assert.deepEqual(close?.body, { state: 'UploadComplete' });
    // Only the unprocessed Contact went as a collection.
    const collections = suite.sf.requests.filter((r) => r.path.includes('/composite/sobjects/'));
    assert.equal(collections.length, 1);
    assert.deepEqual(
      (collections[0]?.body as { records: Array<{ AppDirect_Id__c: string }> }).records.map((r) => r.AppDirect_Id__c),
      [userUuid(3, 1)],
    );

    // Failed rows parked with their sf__Error.
    const failures = await suite.parked();
    assert.equal(failures.length, PARKED);
    const company5 = failures.find((f) => f.entity === 'company');
    assert.equal(company5?.response, 'FIELD_CUSTOM_VALIDATION_EXCEPTION:Account name is on the blocklist:Name --');
    const user71 = failures.find((f) => f.entity === 'user' && f.key === userUuid(7, 1));
    assert.equal(user71?.response, 'INVALID_EMAIL_ADDRESS:Email: invalid email address: user-7-1@example.test:Email --');

    // Below the threshold (a small backlog), the same connector goes back to collections.
    await crmChanges(suite.db, 2, 1, 100_000);
    const small = await suite.run({ bulk: { ...BULK, threshold: 1000 } });
    assert.equal(small.status, 'ok', JSON.stringify(small.error));
    assert.equal(suite.sf.bulk.jobs.size, 2, 'no new job');
  });

  it('logs in by the JWT bearer flow with a signed assertion, and refuses a key the org does not know', async function () {
    this.timeout(60_000);
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    await suite.setUp({ clientSecret: undefined, publicKey: await exportSPKI(publicKey), username: 'integration@acme.example' });
    const pem = await exportPKCS8(privateKey);
    const jwt = { flow: 'jwt_bearer', clientId: CLIENT_ID, username: 'integration@acme.example', privateKey: pem };
    const outcome = await suite.run({ auth: jwt });
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    assert.equal(suite.sf.org.of('Account').size, COMPANIES - 1);
    const token = suite.sf.requests[0];
    const form = token?.body as Record<string, string>;
    assert.deepEqual(Object.keys(form).sort(), ['assertion', 'grant_type']);
    assert.equal(form.grant_type, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    const claims = JSON.parse(Buffer.from(form.assertion?.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.iss, CLIENT_ID);
    assert.equal(claims.sub, 'integration@acme.example');
    assert.equal(claims.aud, suite.sf.url);
    assert.ok(typeof claims.exp === 'number' && claims.exp <= Date.now() / 1000 + 180);

    const other = await generateKeyPair('RS256', { extractable: true });
    const otherPem = await exportPKCS8(other.privateKey);
    await suite.db('consumers').where({ name: 'connector:sf' }).update({ cursor: 0 });
    const refused = await suite.run({ auth: { ...jwt, privateKey: otherPem } });
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.code, 'CONNECTOR_AUTH_FAILED');
    assert.match(refused.error?.message ?? '', /invalid_grant: invalid assertion/);
    assert.doesNotMatch(JSON.stringify(refused.error), /PRIVATE KEY|MII/);
  });

  it('an expired session is renewed once and the call sent again; a session refused again after renewal fails the run', async function () {
    this.timeout(60_000);
    await suite.setUp();
    const c = suite.container({ batchSize: 200 });
    try {
      // One run logs in; the org then expires every session; the next run's first call gets 401 INVALID_SESSION_ID.
      assert.equal((await c.connectors.run('sf')).status, 'ok');
      await crmChanges(suite.db, COMPANIES + 3, 1, 100_000);
      suite.sf.expireSessions();
      const renewed = await c.connectors.run('sf');
      assert.equal(renewed.status, 'ok', JSON.stringify(renewed.error));
      assert.equal(suite.sf.tokens.length, 2, 'one new token');
      const expired = suite.sf.requests.findIndex((r) => r.status === 401);
      assert.ok(expired > 0);
      assert.equal(suite.sf.requests[expired + 1]?.path, '/services/oauth2/token');
      assert.equal(suite.sf.requests[expired + 2]?.path, suite.sf.requests[expired]?.path, 'the same call again');
      assert.equal(suite.sf.requests[expired + 2]?.headers.authorization, `Bearer ${suite.sf.tokens[1]}`);
      assert.equal(suite.sf.org.of('Account').size, COMPANIES + 3 - 1);

      // Refused again with the fresh token: CONNECTOR_AUTH_FAILED, checkpoint kept, no third token.
      await crmChanges(suite.db, COMPANIES + 4, 1, 200_000);
      const checkpoint = await suite.checkpoint();
      const invalid = { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
      suite.sf.forced.push(invalid, invalid);
      const failed = await c.connectors.run('sf');
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error?.code, 'CONNECTOR_AUTH_FAILED');
      assert.equal(suite.sf.tokens.length, 3);
      assert.equal(await suite.checkpoint(), checkpoint);
    } finally {
      await c.close();
    }
  });

  it('REQUEST_LIMIT_EXCEEDED is never parked: a concurrency limit is waited out, the daily limit stops the run with its checkpoint kept', async function () {
    this.timeout(60_000);
    await suite.setUp();
    suite.sf.forced.push({
      status: 403,
      body: [{ message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
    });
    const waited = await suite.run();
    assert.equal(waited.status, 'ok', JSON.stringify(waited.error));
    assert.equal(suite.sf.requests[1]?.status, 403);
    assert.equal(suite.sf.requests[2]?.path, suite.sf.requests[1]?.path, 'the same call again after a wait');
    assert.equal(suite.sf.org.of('Account').size, COMPANIES - 1);
    const parkedBefore = (await suite.parked()).length;

    await crmChanges(suite.db, COMPANIES + 2, 1, 100_000);
    const checkpoint = await suite.checkpoint();
    suite.sf.forced.push({ status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] });
    const limited = await suite.run();
    assert.equal(limited.status, 'failed');
    assert.equal(limited.error?.code, 'CONNECTOR_RATE_LIMITED');
    assert.match(limited.error?.message ?? '', /REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded/);
    assert.equal(await suite.checkpoint(), checkpoint);
    assert.equal((await suite.parked()).length, parkedBefore, 'nothing parked');

    // The limit reset: the next run goes on from the checkpoint.
    const next = await suite.run();
    assert.equal(next.status, 'ok', JSON.stringify(next.error));
    assert.equal(suite.sf.org.of('Account').size, COMPANIES + 2 - 1);
  });
});
