import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../../src/compose/container';
import { consumerNameOf } from '../../src/connectors/connector';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import { forEachDestination } from '../helpers/test-destinations';
import { testConfig } from '../helpers/test-runtime';
import { engineHarness } from '../helpers/worker-harness';
import { drain, feedOn, mixChanges, ROOT } from './connector-fixtures';

const ENTITIES = ['company', 'invoice', 'lead', 'order', 'subscription'];

/** Every row of every table, in key order, as text: what "the tables are unchanged" compares. */
async function snapshot(db: Knex): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const entity of ENTITIES) {
    const rows = (await db(`dst_${entity}`).select('*').orderBy(['source', 'record_key'])) as Array<Record<string, unknown>>;
    out[entity] = rows.map((r) => JSON.stringify(r));
  }
  return out;
}

// Issue 15: the normalized entities in tables of another database, with a replay of the whole feed changing nothing.
forEachDestination('database connector', (dest) => {
  let dir: string;
  let source: Knex;
  const container = (onRefused: 'park' | 'stop' = 'park') =>
    new Container(
      testConfig({
        mappings: { dir: join(ROOT, 'mappings') },
        connectors: { staging: { type: 'database', ...dest.settings, tablePrefix: 'dst_', batchSize: 97, onRefused } },
      }),
      { db: source, logger: pino({ level: 'silent' }) },
    );
  const run = async (onRefused: 'park' | 'stop' = 'park') => {
    const c = container(onRefused);
    try {
      return await c.connectors.run('staging');
    } finally {
      await c.close();
    }
  };

  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-dbconn-'));
    source = createKnex({ client: 'sqlite', filename: join(dir, 'source.db'), pool: { max: 1 } });
    await migrateLatest(source);
    await mixChanges(source, 400);
  });
  after(async () => {
    await source?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every record into a typed table per entity, keyed by source and key, with version and tombstones', async function () {
    this.timeout(120_000);
    const outcome = await run();
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const records = (await source('records').select('entity', 'source', 'record_key', 'data', 'deleted')) as Array<{
      entity: string;
      source: string;
      record_key: string;
      data: string;
      deleted: number | boolean;
    }>;
    for (const entity of ENTITIES) {
      const expected = records.filter((r) => r.entity === entity);
      const rows = (await dest.db(`dst_${entity}`).select('*')) as Array<Record<string, unknown>>;
      assert.equal(rows.length, expected.length, `${entity}: one row per record`);
      const byKey = new Map(rows.map((r) => [`${r.source}/${r.record_key}`, r]));
      for (const r of expected) {
        const row = byKey.get(`${r.source}/${r.record_key}`);
        assert.ok(row, `${entity} ${r.record_key} is in the table`);
        assert.equal(row.deleted_at !== null, Boolean(r.deleted), `${entity} ${r.record_key}: deleted_at set exactly for tombstones`);
      }
    }
    const tombstones = records.filter((r) => Boolean(r.deleted)).length;
    assert.ok(tombstones > 0, 'the mix has removed records');

    // Values and types: an invoice's decimals exact, its lines JSON, a company's name as text.
    const invoice = records.find((r) => r.entity === 'invoice' && !r.deleted) as { record_key: string; data: string };
    const data = JSON.parse(invoice.data) as Record<string, unknown>;
    const row = (await dest.db('dst_invoice').where({ record_key: invoice.record_key }).first()) as Record<string, unknown>;
    const decimalField = Object.keys(data).find((k) => typeof data[k] === 'string' && /^-?\d+\.\d+$/.test(data[k] as string));
    if (decimalField) assert.equal(Number(row[decimalField]).toFixed(4), Number(data[decimalField]).toFixed(4));
    assert.deepEqual(typeof row.lines === 'string' ? JSON.parse(row.lines) : row.lines, data.lines ?? null);
    const types = await columnTypes(dest.db, dest.engine, 'dst_invoice');
    assert.match(types.total ?? '', dest.engine === 'pg' ? /^numeric$/ : /^decimal$/);
    assert.match(types.synced_at ?? '', dest.engine === 'pg' ? /^timestamp with time zone$/ : /^datetime$/);
    if (dest.engine === 'pg') assert.equal(types.lines, 'jsonb');
  });

  it('a replay of the whole feed (consumer rewound to 0) leaves every table unchanged', async function () {
    this.timeout(120_000);
    const before = await snapshot(dest.db);
    const feed = feedOn(source);
    await feed.rewind(consumerNameOf('staging'), { cursor: 0 });
    const replay = await run();
    assert.equal(replay.status, 'ok', JSON.stringify(replay.error));
    assert.equal(replay.checkpoint, await feed.head());
    assert.deepEqual(await snapshot(dest.db), before, 'no row changed, not even synced_at');
  });

  it('an older change never overwrites a newer row; a newer one does', async () => {
    const feed = feedOn(source);
    const changes = (await feed.read('0', { limit: 10_000, entities: ['company'] })).changes;
    const last = changes[changes.length - 1]!;
    const row = (await dest.db('dst_company').where({ record_key: last.key }).first()) as { record_version: number | string };
    assert.equal(Number(row.record_version), Math.max(...changes.filter((c) => c.key === last.key).map((c) => c.seq)));
    // Rewind to just before the record's first change: every change of it is written again, in order, to no effect.
    const first = changes.find((c) => c.key === last.key)!;
    await feed.rewind(consumerNameOf('staging'), { cursor: first.seq - 1 });
    const before = await snapshot(dest.db);
    assert.equal((await run()).status, 'ok');
    assert.deepEqual(await snapshot(dest.db), before);

    // A newer state of the record (a CHANGED delivery after everything) replaces the row.
    const fixture = JSON.parse(readFileSync(join(ROOT, 'mappings', 'fixtures', 'company', 'changed.json'), 'utf8')) as {
      uuid: string;
      timestamp: number;
      resource: { uuid: string; content: { name: string } };
    };
    fixture.uuid = `renamed-${dest.engine}`;
    fixture.timestamp = 9_999_999_999_999;
    fixture.resource.uuid = last.key;
    fixture.resource.content.name = 'Renamed Co';
    const harness = await engineHarness({}, source, { 'company.yaml': readFileSync(join(ROOT, 'mappings', 'company.yaml'), 'utf8') });
    await harness.acceptRaw([Buffer.from(JSON.stringify(fixture))]);
    await drain(harness.newWorker());
    await harness.close();
    assert.equal((await run()).status, 'ok');
    const renamed = (await dest.db('dst_company').where({ record_key: last.key }).first()) as Record<string, unknown>;
    assert.deepEqual([renamed.name, Number(renamed.record_version)], ['Renamed Co', await feed.head()]);
  });

  it('a row the destination refuses (its own CHECK constraint) is parked, the other rows written; retry writes it once allowed; stop holds until skip', async () => {
    await dest.db.raw(`alter table ?? add constraint no_refuse_me check (name is null or name <> 'Refuse Me')`, ['dst_company']);
    const feed = feedOn(source);
    const keys = [...new Set((await feed.read('0', { limit: 10_000, entities: ['company'] })).changes.map((c) => c.key))];
    const [refusedKey, fineKey] = keys as [string, string];
    const harness = await engineHarness({}, source, { 'company.yaml': readFileSync(join(ROOT, 'mappings', 'company.yaml'), 'utf8') });
    const fixture = readFileSync(join(ROOT, 'mappings', 'fixtures', 'company', 'changed.json'), 'utf8');
    const delivery = (key: string, name: string, n: number) => {
      const d = JSON.parse(fixture) as { uuid: string; timestamp: number; resource: { uuid: string; content: { name: string } } };
      Object.assign(d, { uuid: `refuse-${dest.engine}-${n}`, timestamp: 9_999_999_999_999 + n });
      d.resource.uuid = key;
      d.resource.content.name = name;
      return Buffer.from(JSON.stringify(d));
    };
    await harness.acceptRaw([delivery(refusedKey, 'Refuse Me', 1), delivery(fineKey, 'Fine Co', 2)]);
    await drain(harness.newWorker());
    await harness.close();
    const outcome = await run();
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const fine = (await dest.db('dst_company').where({ record_key: fineKey }).first()) as Record<string, unknown>;
    assert.equal(fine.name, 'Fine Co');
    const refused = (await dest.db('dst_company').where({ record_key: refusedKey }).first()) as Record<string, unknown>;
    assert.notEqual(refused.name, 'Refuse Me');
    const parked = (await source('connector_failures').where({ connector: 'staging', state: 'parked' })) as Array<{
      record_key: string;
      code: string;
      response: string;
    }>;
    assert.deepEqual(
      parked.map((p) => [p.record_key, p.code]),
      [[refusedKey, 'CONNECTOR_ROW_REFUSED']],
    );
    assert.match(parked[0]?.response ?? '', /no_refuse_me/);

    // The owner drops the constraint: a retry writes the parked row.
    await dest.db.raw('alter table ?? drop constraint no_refuse_me', ['dst_company']).catch(async () => {
      await dest.db.raw('alter table ?? drop check no_refuse_me', ['dst_company']);
    });
    const c = container();
    try {
      const [failure] = await c.connectorFailures.list({ connector: 'staging', state: 'parked', limit: 5 });
      assert.equal((await c.connectorFailures.retry('staging', failure!.id)).failure.state, 'retried');
    } finally {
      await c.close();
    }
    const retried = (await dest.db('dst_company').where({ record_key: refusedKey }).first()) as Record<string, unknown>;
    assert.equal(retried.name, 'Refuse Me');

    // onRefused: stop: the run stops at a refused row until it is skipped; then it goes on and the row stays out.
    await dest.db.raw(`alter table ?? add constraint no_stop_me check (name is null or name <> 'Stop Me')`, ['dst_company']);
    const again = await engineHarness({}, source, { 'company.yaml': readFileSync(join(ROOT, 'mappings', 'company.yaml'), 'utf8') });
    await again.acceptRaw([delivery(fineKey, 'Stop Me', 3), delivery(refusedKey, 'After Stop', 4)]);
    await drain(again.newWorker());
    await again.close();
    const stopped = await run('stop');
    assert.deepEqual([stopped.status, stopped.error?.code], ['failed', 'CONNECTOR_ROW_REFUSED']);
    assert.equal((await run('stop')).status, 'failed', 'stays stopped');
    const s = container('stop');
    try {
      const [held] = await s.connectorFailures.list({ connector: 'staging', state: 'parked', limit: 5 });
      assert.equal(held?.key, fineKey);
      assert.equal(held?.attempts, 2);
      await s.connectorFailures.skip('staging', held!.id);
    } finally {
      await s.close();
    }
    assert.equal((await run('stop')).status, 'ok', 'a skipped row is passed over');
    const rows = (await dest.db('dst_company').whereIn('record_key', [fineKey, refusedKey]).orderBy('record_key')) as Array<{
      record_key: string;
      name: string;
    }>;
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.record_key, r.name])), { [fineKey]: 'Fine Co', [refusedKey]: 'After Stop' });
  });
});

async function columnTypes(db: Knex, engine: 'pg' | 'mariadb', table: string): Promise<Record<string, string>> {
  const rows =
    engine === 'pg'
      ? (
          (await db.raw(
            'select column_name, data_type from information_schema.columns where table_schema = current_schema() and table_name = ?',
            [table],
          )) as {
            rows: Array<{ column_name: string; data_type: string }>;
          }
        ).rows
      : (
          (await db.raw(
            'select column_name, data_type from information_schema.columns where table_schema = database() and table_name = ?',
            [table],
          )) as [Array<{ column_name?: string; data_type?: string; COLUMN_NAME?: string; DATA_TYPE?: string }>]
        )[0].map((r) => ({ column_name: (r.column_name ?? r.COLUMN_NAME) as string, data_type: (r.data_type ?? r.DATA_TYPE) as string }));
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}
