import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { systemClock } from '../src/core/clock';
import { createKnex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { WalCheckpointer } from '../src/db/wal-checkpointer';
import { FileMappingRegistry } from '../src/mapping';
import { InlinePlanner } from '../src/worker/event-planner';
import { SyncWorker } from '../src/worker/sync-worker';
import { ThreadedPlanner } from '../src/worker/threaded-planner';
import { eventMix } from './lib/event-mix';
import { preloadInbox } from './lib/preload-inbox';
import { argValue } from './lib/bench-args';
import { createInboxQueue } from '../src/inbox/create-inbox-stores';
import { createRecordStore } from '../src/records/create-record-stores';

/**
 * bench:sync — drain N pre-loaded AppDirect-shaped events (five types, 10% re-sends, 10% late) through the
 * worker on SQLite (synchronous=FULL), against the raw floor: the same number of rows inserted by plain
 * better-sqlite3 in batched transactions of the same size, in the same run.
 * Reports each round and the median one. Usage: npm run bench:sync [-- --events 100000 --batch 500 --rounds 3 --inline-mapping]
 */
const total = Number(argValue('--events') ?? 100_000);
const batch = Number(argValue('--batch') ?? 500);
const inlineMapping = process.argv.includes('--inline-mapping');
const rounds = Number(argValue('--rounds') ?? 3);
const ROOT = join(__dirname, '..', '..');

async function drain(dir: string, bodies: Buffer[]): Promise<{ perSec: number; statuses: Record<string, number>; changes: number }> {
  const filename = join(dir, 'sync.db');
  const db = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
  await migrateLatest(db);
  await preloadInbox(db, bodies);
  const logger = pino({ level: 'silent' });
  // As `serve` and `worker` run: WAL checkpoints on their own thread.
  const checkpoints = new WalCheckpointer(db, filename, logger);
  await checkpoints.start();
  const mappings = FileMappingRegistry.open(join(ROOT, 'mappings'), logger);
  // As `serve` and `worker` run it by default: mapping on its own thread (--inline-mapping: on this one).
  const planner = inlineMapping ? new InlinePlanner(mappings) : new ThreadedPlanner(join(ROOT, 'mappings'), mappings, logger);
  const worker = new SyncWorker(
    db,
    createInboxQueue(db),
    createRecordStore(db),
    mappings,
    systemClock,
    logger,
    {
      batchSize: batch,
      leaseMs: 600_000,
      maxAttempts: 5,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      idleDelayMs: 10,
    },
    planner,
  );
  // As in a running service, whose worker starts its mapping thread at boot: the clock starts once it is up.
  await planner.start();
  const started = process.hrtime.bigint();
  let lastReport = Date.now();
  const totals = await worker.drain((sofar) => {
    if (Date.now() - lastReport < 2000) return;
    process.stderr.write(`  drained ${sofar.claimed}/${bodies.length}\n`);
    lastReport = Date.now();
  });
  const processed = totals.claimed;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = (await db('inbox_events').select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: number }[];
  const changes = Number(((await db('changes').count({ n: '*' })) as { n: number }[])[0]?.n ?? 0);
  await planner.close();
  mappings.close();
  await checkpoints.stop();
  await db.destroy();
  return { perSec: processed / seconds, statuses: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])), changes };
}

/** The floor: one record-sized row per event, plain prepared INSERTs, one transaction per batch. */
function rawInsert(dir: string, bodies: Buffer[]): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`create table raw_records (source text not null, entity text not null, record_key text not null, data text not null,
    raw_content text, event_uuid text not null, event_timestamp integer not null, primary key (source, entity, record_key))`);
  const insert = db.prepare('insert into raw_records values (?, ?, ?, ?, ?, ?, ?)');
  const rows = bodies.map((b, i) => {
    const e = JSON.parse(b.toString('utf8')) as { uuid: string; timestamp: number; resource: { type: string; content?: unknown } };
    const content = JSON.stringify(e.resource.content ?? {});
    return ['shop', e.resource.type, `k-${i}`, content, content, e.uuid, e.timestamp] as const;
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    db.transaction(() => {
      for (const r of chunk) insert.run(...r);
    })();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return rows.length / seconds;
}

async function main(): Promise<void> {
  process.stderr.write(`bench:sync ${total} events, batch ${batch}, ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`);
  const bodies = eventMix({
    count: total,
    keysPerType: Math.max(100, Math.round(total / 50)),
    duplicateRate: 0.1,
    outOfOrderRate: 0.1,
    seed: 42,
    fixturesDir: join(ROOT, 'mappings', 'fixtures'),
  });
  // Alternating rounds, each on fresh files: the floor's fsyncs drift by a third between runs on this machine, so
  // one pair would measure the noise as much as the engine.
  const results: { raw: number; drained: Awaited<ReturnType<typeof drain>> }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
    try {
      process.stderr.write(`round ${round}: raw floor (plain better-sqlite3 inserts), then pre-load and drain through the worker...\n`);
      const raw = rawInsert(dir, bodies);
      const drained = await drain(dir, bodies);
      results.push({ raw, drained });
      process.stdout.write(
        `round ${round}  raw insert ${raw.toFixed(0).padStart(7)} rows/s | worker ${drained.perSec.toFixed(0).padStart(6)} events/s | ratio ${(drained.perSec / raw).toFixed(3)}  statuses ${JSON.stringify(drained.statuses)} changes ${drained.changes}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const median = [...results].sort((a, b) => a.drained.perSec / a.raw - b.drained.perSec / b.raw)[Math.floor(results.length / 2)];
  if (!median) return;
  process.stdout.write(
    `${JSON.stringify({ bench: 'sync', events_per_s: Math.round(median.drained.perSec), ratio: Number((median.drained.perSec / median.raw).toFixed(3)), raw_insert_per_s: Math.round(median.raw), events: total, batch, rounds, mapping: inlineMapping ? 'inline' : 'thread' })}\n`,
  );
}

void main();
