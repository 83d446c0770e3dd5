import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventMix } from '../../bench/lib/event-mix';
import { preloadInbox } from '../../bench/lib/preload-inbox';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'appdirect-sync.js');

function writeConfig(dir: string, dbFile: string): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    stringify({
      environment: 'test',
      log: { level: 'warn' },
      db: { client: 'sqlite', filename: dbFile },
      mappings: { dir: join(ROOT, 'mappings') },
      worker: { batchSize: 100, leaseMs: 1500 },
      sources: {},
    }),
  );
  return file;
}

async function freshInbox(dbFile: string, bodies: Buffer[]): Promise<void> {
  const db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
  await migrateLatest(db);
  await preloadInbox(db, bodies);
  await db.destroy();
}

async function withDb<T>(dbFile: string, fn: (db: Knex) => Promise<T>): Promise<T> {
  const db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** What a consumer would see: every record and the change log, without times or sequence numbers. */
async function outcome(dbFile: string) {
  return withDb(dbFile, async (db) => ({
    records: await db('records')
      .select('source', 'entity', 'record_key', 'data', 'deleted', 'event_uuid')
      .orderBy(['entity', 'record_key']),
    changes: await db('changes').select('entity', 'record_key', 'kind', 'data', 'inbox_event_id').orderBy('seq'),
    statuses: await db('inbox_events').select('status').count({ n: '*' }).groupBy('status').orderBy('status'),
  }));
}

describe('worker process killed with SIGKILL mid-batch (e2e)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-worker-crash-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no event, applies none twice, and ends exactly as an uninterrupted run', async () => {
    const bodies = eventMix({
      count: 6000,
      keysPerType: 150,
      duplicateRate: 0.1,
      outOfOrderRate: 0.1,
      seed: 7,
      fixturesDir: join(ROOT, 'mappings', 'fixtures'),
    });
    const reference = join(dir, 'reference.db');
    const crashed = join(dir, 'crashed.db');
    await freshInbox(reference, bodies);
    await freshInbox(crashed, bodies);

    const clean = spawnSync(process.execPath, [BIN, '--config', writeConfig(dir, reference), 'worker', '--once'], { encoding: 'utf8' });
    assert.equal(clean.status, 0, clean.stderr);

    const child = spawn(process.execPath, [BIN, '--config', writeConfig(dir, crashed), 'worker'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    for (let i = 0; i < 600; i++) {
      const done = await withDb(crashed, async (db) =>
        Number((await db('inbox_events').whereNot('status', 'accepted').count({ n: '*' }))[0]?.n),
      );
      if (done >= 1500) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const atKill = await withDb(crashed, async (db) =>
      Number((await db('inbox_events').where('status', 'accepted').count({ n: '*' }))[0]?.n),
    );
    assert.ok(atKill > 0, 'the kill came before the worker had finished');

    await new Promise((r) => setTimeout(r, 1600)); // the dead worker's lease runs out
    const restart = spawnSync(process.execPath, [BIN, '--config', writeConfig(dir, crashed), 'worker', '--once'], { encoding: 'utf8' });
    assert.equal(restart.status, 0, restart.stderr);

    const expected = await outcome(reference);
    const actual = await outcome(crashed);
    assert.ok(expected.changes.length > 1000, 'the reference run produced changes');
    assert.deepEqual(actual.statuses, expected.statuses, 'every event ended, with the same statuses');
    assert.equal(actual.records.length, expected.records.length);
    assert.deepEqual(actual.records, expected.records);
    const ids = actual.changes.map((c) => c.inbox_event_id);
    assert.equal(new Set(ids).size, ids.length, 'no event appended two changes');
    assert.deepEqual(actual.changes, expected.changes);
  });
});
