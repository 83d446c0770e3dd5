import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { Container } from '../../src/compose/container';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import { companyUuid, crmChanges, userUuid } from '../helpers/crm-feed';
import { startHubspotContractServer, type HubspotContractServer } from '../../bench/lib/hubspot-contract-server';
import { runCli } from '../helpers/run-cli';
import { testConfig } from '../helpers/test-runtime';
import { ROOT } from './connector-fixtures';

const TOKEN = 'pat-na1-test-token-0123456789';
const COMPANIES = 12;
const USERS = 3;
/** Company 5 is refused by name; the users of company 7 by their email domain, so their memberships too. */
const REFUSED_COMPANY = 'Company 5';
const isRefusedContact = (email: string | undefined) => email !== undefined && /^user-7-/.test(email);

// Issue 17: companies, contacts and their associations upserted into HubSpot through @hubspot/api-client, against a
// local contract server; the refused inputs parked with HubSpot's message, the others taken exactly once.
describe('HubSpot connector', () => {
  let dir: string;
  let db: Knex;
  let hub: HubspotContractServer;

  const container = (overrides: Record<string, unknown> = {}) =>
    new Container(
      testConfig({
        mappings: { dir: join(ROOT, 'mappings') },
        connectors: {
          hub: {
            type: 'hubspot',
            accessToken: TOKEN,
            basePath: hub.url,
            outputMappings: join(ROOT, 'mappings', 'out', 'hubspot'),
            batchSize: 10,
            retry: { attempts: 4, baseMs: 1, maxMs: 50 },
            ...overrides,
          },
        },
      }),
      { db, logger: pino({ level: 'silent' }) },
    );
  const run = async (overrides: Record<string, unknown> = {}) => {
    const c = container(overrides);
    try {
      return await c.connectors.run('hub');
    } finally {
      await c.close();
    }
  };
  const parked = async () => {
    const c = container();
    try {
      return await c.connectorFailures.list({ connector: 'hub', state: 'parked', limit: 1000 });
    } finally {
      await c.close();
    }
  };

  beforeEach(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-hubspot-'));
    db = createKnex({ client: 'sqlite', filename: join(dir, 'source.db'), pool: { max: 1 } });
    await migrateLatest(db);
    await crmChanges(db, COMPANIES, USERS);
    hub = await startHubspotContractServer({
      token: TOKEN,
      idProperty: 'appdirect_id',
      refuse: (object, input) => {
        if (object === 'companies' && input.properties.name === REFUSED_COMPANY)
          return 'Property values were not valid: name is on a blocklist';
        if (object === 'contacts' && isRefusedContact(input.properties.email))
          return `Property values were not valid: email ${input.properties.email} is invalid`;
        return undefined;
      },
    });
  });
  afterEach(async () => {
    await hub?.close();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes every accepted record once with its mapped fields, parks each refused one with HubSpot message, and a replay changes nothing', async function () {
    this.timeout(60_000);
    const outcome = await run();
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));

    // Companies: all but the refused one, with the fields of mappings/out/hubspot/company.yaml.
    assert.equal(hub.objects.companies.size, COMPANIES - 1);
    const acme = hub.objects.companies.get(companyUuid(1));
    assert.deepEqual(acme?.properties, {
      appdirect_id: companyUuid(1),
      name: 'Company 1',
      phone: '+1 514 555 0100',
      city: 'Montreal',
      state: 'QC',
      zip: 'H2X 1Y4',
      country: 'CA',
    });
    assert.equal(hub.objects.companies.has(companyUuid(5)), false);

    // Contacts: one per user (user and membership upsert the same one), all but company 7's.
    assert.equal(hub.objects.contacts.size, COMPANIES * USERS - USERS);
    assert.deepEqual(hub.objects.contacts.get(userUuid(2, 3))?.properties, {
      appdirect_id: userUuid(2, 3),
      email: 'user-2-3@example.test',
      firstname: 'First3',
      lastname: 'Last2',
    });
    // No contact carries the link field as a property: it became the association.
    for (const contact of hub.objects.contacts.values()) assert.equal('appdirect_company_id' in contact.properties, false);

    // Each contact is associated with its company, except those of the refused company 5 (parked: no company).
    const expectedPairs = new Set<string>();
    for (let c = 1; c <= COMPANIES; c++) {
      if (c === 5 || c === 7) continue;
      for (let u = 1; u <= USERS; u++) {
        const contact = hub.objects.contacts.get(userUuid(c, u));
        const company = hub.objects.companies.get(companyUuid(c));
        expectedPairs.add(`${contact?.id}>${company?.id}`);
      }
    }
    assert.deepEqual([...hub.associations].sort(), [...expectedPairs].sort());

    // Parked: company 5 (HubSpot's message), company 7's users and memberships (HubSpot's message), company 5's
    // memberships (their company is not in HubSpot).
    const failures = await parked();
    const byKey = new Map(failures.map((f) => [`${f.entity} ${f.key}`, f]));
    const company5 = byKey.get(`company ${companyUuid(5)}`);
    assert.ok(company5, 'the refused company is parked');
    assert.equal(company5.code, 'CONNECTOR_REFUSED');
    assert.match(company5.response ?? '', /VALIDATION_ERROR: Property values were not valid: name is on a blocklist/);
    for (let u = 1; u <= USERS; u++) {
      const user = byKey.get(`user ${userUuid(7, u)}`);
      assert.ok(user, `user 7-${u} is parked`);
      assert.match(user.response ?? '', new RegExp(`email user-7-${u}@example.test is invalid`));
      const membership = byKey.get(`membership ${companyUuid(7)}:${userUuid(7, u)}`);
      assert.ok(membership, `membership 7-${u} is parked`);
      const orphan = byKey.get(`membership ${companyUuid(5)}:${userUuid(5, u)}`);
      assert.ok(orphan, `membership 5-${u} is parked`);
      assert.match(orphan.response ?? '', /company .* is not in HubSpot/);
    }
    assert.equal(failures.length, 1 + USERS * 3, JSON.stringify(failures.map((f) => [f.entity, f.key, f.response])));

    // The requests the official client sent: bearer token, batch upserts by the unique property, at most batchSize.
    const upserts = hub.requests.filter((r) => r.path.endsWith('/batch/upsert'));
    assert.ok(upserts.length > 0);
    for (const r of upserts) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      const inputs = (r.body as { inputs: Array<{ idProperty: string; id: string; properties: Record<string, string> }> }).inputs;
      assert.ok(inputs.length <= 10);
      for (const i of inputs) assert.equal(i.idProperty, 'appdirect_id');
    }
    const association = hub.requests.find((r) => r.path === '/crm/v4/associations/contacts/companies/batch/associate/default');
    assert.ok(association);
    const first = (association.body as { inputs: Array<Record<string, { id: string }>> }).inputs[0];
    assert.deepEqual(Object.keys(first ?? {}).sort(), ['from', 'to']);

    // A replay of the whole feed: the same objects, nothing new created or parked twice.
    const before = JSON.stringify(
      [...hub.objects.companies.entries(), ...hub.objects.contacts.entries()].map(([k, v]) => [k, v.id, v.properties]),
    );
    await db('consumers').where({ name: 'connector:hub' }).update({ cursor: 0 });
    const replay = await run();
    assert.equal(replay.status, 'ok', JSON.stringify(replay.error));
    const after = JSON.stringify(
      [...hub.objects.companies.entries(), ...hub.objects.contacts.entries()].map(([k, v]) => [k, v.id, v.properties]),
    );
    assert.equal(after, before);
    assert.equal(hub.associations.size, expectedPairs.size);
    const again = await parked();
    assert.equal(again.length, failures.length, 'no refused change parked twice');
  });

  it('waits out a per-second 429 as its headers say, and stops at the daily limit with the checkpoint kept', async function () {
    this.timeout(60_000);
    const secondly = {
      status: 429,
      headers: {
        'x-hubspot-ratelimit-secondly': '10',
        'x-hubspot-ratelimit-secondly-remaining': '0',
        'x-hubspot-ratelimit-interval-milliseconds': '40',
      },
      body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' },
    };
    hub.forced.push(secondly, secondly);
    const started = Date.now();
    const ok = await run({ retry: { attempts: 4, baseMs: 1, maxMs: 5000 } });
    assert.equal(ok.status, 'ok', JSON.stringify(ok.error));
    assert.ok(Date.now() - started >= 80, 'two waits of the 40 ms interval');
    assert.equal(hub.requests[0]?.status, 429);
    assert.equal(hub.requests[2]?.path, hub.requests[0]?.path, 'the same request again after the wait');
    assert.equal(hub.objects.companies.size, COMPANIES - 1);

    // A new backlog, then the daily limit: the run fails with CONNECTOR_RATE_LIMITED and keeps its checkpoint.
    await crmChanges(db, COMPANIES + 2, 1, 100_000);
    const checkpoint = (await db('consumers').where({ name: 'connector:hub' }).first()) as { cursor: number };
    hub.forced.push({
      status: 429,
      headers: { 'x-hubspot-ratelimit-daily': '250000', 'x-hubspot-ratelimit-daily-remaining': '0' },
      body: { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' },
    });
    const limited = await run();
    assert.equal(limited.status, 'failed');
    assert.equal(limited.error?.code, 'CONNECTOR_RATE_LIMITED');
    assert.doesNotMatch(JSON.stringify(limited.error), new RegExp(TOKEN));
    const kept = (await db('consumers').where({ name: 'connector:hub' }).first()) as { cursor: number };
    assert.equal(kept.cursor, checkpoint.cursor);
  });

  it('fails the run on a wrong token without logging it', async function () {
    this.timeout(60_000);
    const outcome = await run({ accessToken: 'pat-na1-wrong-token' });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error?.code, 'CONNECTOR_AUTH_FAILED');
    assert.doesNotMatch(JSON.stringify(outcome.error), /pat-na1-wrong-token/);
    assert.equal(hub.objects.companies.size, 0);
  });

  it('connectors run --dry-run prints the requests it would send, sends nothing, and reads the token from a file', async function () {
    this.timeout(60_000);
    const tokenFile = join(dir, 'hubspot-token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const configFile = join(dir, 'config.yaml');
    const hubConfig = { type: 'hubspot', basePath: hub.url, outputMappings: join(ROOT, 'mappings', 'out', 'hubspot') };
    const settings = {
      db: { client: 'sqlite', filename: join(dir, 'source.db') },
      mappings: { dir: join(ROOT, 'mappings') },
      log: { level: 'warn' },
    };
    writeFileSync(configFile, stringify({ environment: 'test', sources: {}, ...settings, connectors: { hub: hubConfig } }));
    const dry = await runCli(['--config', configFile, 'connectors', 'run', 'hub', '--dry-run', '--limit', '3'], {
      env: { APPDIRECT_SYNC__connectors__hub__accessToken_FILE: tokenFile },
    });
    assert.equal(dry.code, 0, dry.stderr);
    const lines = dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { entity: string; sends: { requests: Array<{ method: string; url: string; body: unknown }> } });
    assert.equal(lines.length, 3);
    assert.equal(lines[0]?.entity, 'company');
    assert.deepEqual(lines[0]?.sends.requests, [
      {
        method: 'POST',
        url: `${hub.url}/crm/v3/objects/companies/batch/upsert`,
        body: {
          inputs: [
            {
              id: companyUuid(1),
              idProperty: 'appdirect_id',
              properties: {
                appdirect_id: companyUuid(1),
                name: 'Company 1',
                phone: '+1 514 555 0100',
                city: 'Montreal',
                state: 'QC',
                zip: 'H2X 1Y4',
                country: 'CA',
              },
            },
          ],
        },
      },
    ]);
    const membership = lines.find((l) => l.entity === 'membership');
    assert.deepEqual(
      membership?.sends.requests.map((r) => r.url.slice(hub.url.length)),
      [
        '/crm/v3/objects/contacts/batch/upsert',
        '/crm/v3/objects/companies/batch/read',
        '/crm/v4/associations/contacts/companies/batch/associate/default',
      ],
    );
    assert.equal(hub.requests.length, 0, 'nothing sent');
    assert.doesNotMatch(dry.stdout + dry.stderr, new RegExp(TOKEN));
    const checkpoint = (await db('consumers').where({ name: 'connector:hub' }).first()) as { cursor: number } | undefined;
    assert.equal(Number(checkpoint?.cursor ?? 0), 0);
  });

  it('retries a parked company once HubSpot takes it', async function () {
    this.timeout(60_000);
    await run();
    const failure = (await parked()).find((f) => f.entity === 'company');
    assert.ok(failure);
    await hub.close();
    hub = await startHubspotContractServer({ token: TOKEN, idProperty: 'appdirect_id' });
    const c = container();
    try {
      const resolution = await c.connectorFailures.retry('hub', failure.id);
      assert.equal(resolution.failure.state, 'retried');
    } finally {
      await c.close();
    }
    assert.equal(hub.objects.companies.get(companyUuid(5))?.properties.name, REFUSED_COMPANY);
  });
});
