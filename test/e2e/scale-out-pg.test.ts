import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { eventMix } from '../../bench/lib/event-mix';
import { preloadInbox } from '../../bench/lib/preload-inbox';
import { startServiceProcess, type ServiceProcess } from '../../bench/lib/service-process';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { systemClock } from '../../src/core/clock';
import { createKnex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import { FileMappingRegistry } from '../../src/mapping';
import { SyncWorker } from '../../src/worker/sync-worker';
import { forEachDatabase } from '../helpers/test-databases';
import { createInboxQueue } from '../../src/inbox/create-inbox-stores';
import { createRecordStore } from '../../src/records/create-record-stores';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'appdirect-sync.js');
const DELIVERIES = Number(process.env.SCALE_OUT_DELIVERIES ?? 20_000);

type Row = { entity: string; record_key: string; data: string; deleted: boolean | number };
const normalize = (rows: Row[]) =>
  rows.map((r) => ({ entity: r.entity, key: r.record_key, data: r.data, deleted: r.deleted === true || r.deleted === 1 }));

/** The same deliveries applied by one in-process worker on SQLite: what the cluster must end with. */
async function singleProcessRecords(dir: string, bodies: Buffer[]) {
  const db = createKnex({ client: 'sqlite', filename: join(dir, 'reference.db'), pool: { max: 1 } });
  await migrateLatest(db);
  await preloadInbox(db, bodies);
  const logger = pino({ level: 'silent' });
  const mappings = FileMappingRegistry.open(join(ROOT, 'mappings'), logger);
  const worker = new SyncWorker(db, createInboxQueue(db), createRecordStore(db), mappings, systemClock, logger, {
    batchSize: 500,
    leaseMs: 60_000,
    maxAttempts: 5,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    idleDelayMs: 10,
  });
  while ((await worker.tick()).claimed > 0);
  const rows = normalize(
    (await db('records').select('entity', 'record_key', 'data', 'deleted').orderBy(['entity', 'record_key'])) as Row[],
  );
  mappings.close();
  await db.destroy();
  return rows;
}

forEachDatabase('3 receivers and 3 workers on one PostgreSQL database (e2e)', (ctx) => {
  let dir: string;
  const children: ChildProcess[] = [];
  before(function () {
    if (ctx.engine === 'sqlite') this.skip(); // the scale-out path is PostgreSQL; SQLite serves one machine
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-scale-'));
  });
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ends with the records of a single-process run, a gap-free feed and no event applied twice', async function () {
    this.timeout(300_000);
    const base = {
      db: ctx.config,
      log: { level: 'warn' },
      sources: { shop: { auth: { mode: 'none' } } },
      worker: { enabled: false, leaseMs: 3000, batchSize: 200 },
    };
    const mix = eventMix({
      count: DELIVERIES,
      keysPerType: 300,
      duplicateRate: 0.1,
      outOfOrderRate: 0.1,
      seed: 11,
      fixturesDir: join(ROOT, 'mappings', 'fixtures'),
    });
    // AppDirect also re-sends the very same delivery (same uuid, same bytes): 5% more, anywhere later.
    const deliveries = [...mix];
    for (let i = 0; i < DELIVERIES / 20; i++)
      deliveries.splice(Math.floor((i * 7919) % deliveries.length), 0, mix[(i * 104729) % mix.length] as Buffer);

    const receivers: ServiceProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const rdir = mkdtempSync(join(dir, `receiver-${i}-`));
      const r = await startServiceProcess(rdir, { ...base, log: { level: 'info' } }, ['serve'], { keepOutput: false });
      children.push(r.child);
      receivers.push(r);
    }
    const workerConfig = join(dir, 'worker.yaml');
    writeFileSync(workerConfig, stringify({ ...base, environment: 'test', mappings: { dir: join(ROOT, 'mappings') } }));
    const startWorker = () => {
      const w = spawn(process.execPath, [BIN, '--config-dir', dir, '--config', workerConfig, 'worker'], { stdio: 'ignore', cwd: dir });
      children.push(w);
      return w;
    };
    const workers = [startWorker(), startWorker(), startWorker()];

    // A feed reader follows the change log the whole time, as a CRM connector would.
    const key = newApiKey();
    await new KnexApiKeyStore(ctx.db).create({ id: key.id, name: 'reader', keySha256: key.keySha256, scopes: ['feed:read'] }, new Date());
    const seen: number[] = [];
    let reading = true;
    const reader = (async () => {
      let cursor = '0';
      while (reading) {
        const res = await fetch(`${receivers[0]?.url}/api/v1/changes?after=${cursor}&limit=1000&wait=1`, {
          headers: { authorization: `Bearer ${key.key}` },
        });
        const page = (await res.json()) as { changes: { cursor: string }[]; next_cursor: string };
        seen.push(...page.changes.map((c) => Number(c.cursor)));
        cursor = page.next_cursor;
      }
      return cursor;
    })();

    let next = 0;
    let killed = false;
    const acked = new Set<string>();
    await Promise.all(
      Array.from({ length: 24 }, async (_, lane) => {
        for (;;) {
          const i = next++;
          if (i >= deliveries.length) return;
          if (!killed && i > deliveries.length / 3) {
            killed = true;
            workers[0]?.kill('SIGKILL'); // mid-run: its leased batch must come back to the others
          }
          const body = deliveries[i] as Buffer;
          const target = receivers[(i + lane) % 3] as ServiceProcess;
          const res = await fetch(`${target.url}/webhooks/shop`, { method: 'POST', body });
          assert.equal(res.status, 200, await res.text());
          acked.add((JSON.parse(body.toString()) as { uuid: string }).uuid);
        }
      }),
    );

    const deadline = Date.now() + 180_000;
    for (;;) {
      const pending = Number(((await ctx.db('inbox_events').where('status', 'accepted').count({ n: '*' })) as { n: string }[])[0]?.n);
      if (pending === 0) break;
      assert.ok(Date.now() < deadline, `${pending} events still pending`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 1500)); // let the reader take the last page
    reading = false;
    await reader;

    const stored = (await ctx.db('inbox_events').select('delivery_uuid', 'status')) as { delivery_uuid: string; status: string }[];
    assert.equal(stored.length, acked.size, 'every acknowledged delivery is in the inbox, once');
    assert.ok(
      stored.every((e) => e.status === 'done' || e.status === 'stale'),
      'every event was applied or found stale',
    );

    const changes = (await ctx.db('changes').select('seq', 'inbox_event_id').orderBy('seq')) as { seq: string; inbox_event_id: string }[];
    assert.equal(new Set(changes.map((c) => c.inbox_event_id)).size, changes.length, 'no event appended two changes');
    assert.deepEqual(
      seen,
      changes.map((c) => Number(c.seq)),
      'the feed reader saw every change once, in order, with no gap',
    );

    const cluster = normalize(
      (await ctx.db('records').select('entity', 'record_key', 'data', 'deleted').orderBy(['entity', 'record_key'])) as Row[],
    );
    const reference = await singleProcessRecords(dir, mix);
    assert.equal(cluster.length, reference.length);
    assert.deepEqual(cluster, reference);
  });
});
