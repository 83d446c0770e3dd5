import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnex, type Knex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { argValue } from './lib/bench-args';
import { drainInProcess, type DrainResult } from './lib/drain-in-process';
import { eventMix } from './lib/event-mix';
import { preloadInbox } from './lib/preload-inbox';

/**
 * bench:scale — does the cost of an event grow with the store? Drains `--events` AppDirect-shaped events (bench:sync's
 * mix: five types, 10% re-sends, 10% late) into a store that already holds `--preload` records and as many changes,
 * against the same drain into an empty store, in the same run, on SQLite and (when reachable) PostgreSQL. The worker
 * runs in this process as `worker` runs it (mapping thread, batches of 500, SQLite checkpoints on their thread).
 * Each round drains both stores, alternating which goes first; the median round's ratio (grown / empty) is reported.
 * `--sqlite-cache-mb <n>` sets SQLite's page cache of the drain's connection (default: SQLite's 2 MB), to see how much
 * of the growth is index pages read back from the OS.
 * Usage: npm run bench:scale [-- --events 100000 --preload 1000000 --rounds 3 --engines sqlite,pg --sqlite-cache-mb 64]
 * (PostgreSQL from BENCH_DATABASE_URL)
 */
const sqliteCacheMb = argValue('--sqlite-cache-mb');
const total = Number(argValue('--events') ?? 100_000);
const preload = Number(argValue('--preload') ?? 1_000_000);
const rounds = Number(argValue('--rounds') ?? 3);
const engines = (argValue('--engines') ?? 'sqlite,pg').split(',');
const batch = 500;
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = join(__dirname, '..', '..');
/** The entities of the shipped mappings the drain writes; the pre-loaded rows spread over them, so every index it touches is big. */
const ENTITIES = ['company', 'invoice', 'lead', 'order', 'subscription'];
/** About the size of a mapped record's canonical JSON (330–920 bytes for the shipped fixtures). */
const PAD = 'x'.repeat(520);

type Engine = 'sqlite' | 'pg';

/**
 * Fills `records` and `changes` with `preload` rows each, in one statement per table (a recursive CTE on SQLite,
 * generate_series on PostgreSQL). The keys (`pre-<n>`) never meet the drained events' keys, so the drain does the
 * same work in both stores and only the size of the tables and their indexes differs.
 */
async function grow(db: Knex, engine: Engine): Promise<void> {
  const now = new Date().toISOString();
  const series = (sql: string) =>
    engine === 'pg'
      ? `${sql.replace(/\bN\b/g, 'g')} from generate_series(1, ?) g`
      : `with recursive s(n) as (select 1 union all select n + 1 from s where n < ?) ${sql.replace(/\bN\b/g, 'n')} from s`;
  const entity = `case N % 5 ${ENTITIES.map((e, i) => `when ${i} then '${e}'`).join(' ')} end`;
  const data = `'{"id":"pre-' || N || '","pad":"${PAD}"}'`;
  const insertRecords = `insert into records (source, entity, record_key, data, raw_content, event_uuid, event_timestamp, event_action,
      mapping_version, data_timestamp, data_action, data_uuid, deleted, created_at, updated_at)
    select 'shop', ${entity}, 'pre-' || N, ${data}, ${data}, 'pre-evt-' || N, 1700000000000 + N, 'CHANGED', 'v1',
      1700000000000 + N, 'CHANGED', 'pre-evt-' || N, ${engine === 'pg' ? 'false' : '0'}, '${now}', '${now}'`;
  const insertChanges = `insert into changes (source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp,
      mapping_version, cause, created_at)
    select 'shop', ${entity}, 'pre-' || N, 'updated', ${data}, null, 'pre-evt-' || N, 1700000000000 + N, 'v1', 'event', '${now}'`;
  await db.raw(series(insertRecords), [preload]);
  await db.raw(series(insertChanges), [preload]);
  await db.raw(engine === 'pg' ? 'vacuum analyze' : 'analyze');
}

/** A fresh store of the engine: a SQLite file, or a PostgreSQL schema of its own, migrated; dropped by `close`. */
async function freshStore(engine: Engine, dir: string): Promise<{ db: Knex; filename?: string; close: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const filename = join(dir, `scale-${randomBytes(3).toString('hex')}.db`);
    const db = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
    await migrateLatest(db);
    if (sqliteCacheMb !== undefined) await db.raw(`pragma cache_size = -${Number(sqliteCacheMb) * 1024}`);
    return { db, filename, close: () => db.destroy() };
  }
  const schema = `appdirect_scale_${randomBytes(4).toString('hex')}`;
  const db = createKnex({ client: 'pg', url: PG_URL, schema, pool: { max: 10 } } as never);
  await migrateLatest(db);
  return {
    db,
    close: async () => {
      await db.raw('drop schema if exists ?? cascade', [schema]);
      await db.destroy();
    },
  };
}

async function drainInto(engine: Engine, dir: string, bodies: Buffer[], grown: boolean): Promise<DrainResult> {
  const store = await freshStore(engine, dir);
  try {
    if (grown) {
      const started = Date.now();
      await grow(store.db, engine);
      process.stderr.write(
        `  ${engine}: ${preload} records and ${preload} changes written in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
    await preloadInbox(store.db, bodies);
    return await drainInProcess(store.db, ROOT, { batch, sqliteFilename: store.filename });
  } finally {
    await store.close();
  }
}

async function pgReachable(): Promise<boolean> {
  const db = createKnex({ client: 'pg', url: PG_URL, pool: { max: 1 } } as never);
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  process.stderr.write(
    `bench:scale ${total} events into ${preload} records + ${preload} changes vs an empty store, ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`,
  );
  const bodies = eventMix({
    count: total,
    keysPerType: Math.max(100, Math.round(total / 50)),
    duplicateRate: 0.1,
    outOfOrderRate: 0.1,
    seed: 42,
    fixturesDir: join(ROOT, 'mappings', 'fixtures'),
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  try {
    for (const engine of engines as Engine[]) {
      if (engine === 'pg' && !(await pgReachable())) {
        process.stderr.write(`PostgreSQL at ${PG_URL} is not reachable: skipped\n`);
        continue;
      }
      // The first drain of a process runs on cold code (JIT, the mapping thread's first batches) and measured up to
      // a third slower than the next: an untimed drain of a tenth of the events first, so neither store pays it.
      process.stderr.write(`${engine}: warm-up drain of ${Math.round(total / 10)} events...\n`);
      await drainInto(engine, dir, bodies.slice(0, Math.round(total / 10)), false);
      const results: { empty: DrainResult; grown: DrainResult }[] = [];
      for (let round = 1; round <= rounds; round++) {
        process.stderr.write(`${engine} round ${round}: ${round % 2 ? 'empty, then grown' : 'grown, then empty'} store...\n`);
        let empty: DrainResult | undefined;
        if (round % 2) empty = await drainInto(engine, dir, bodies, false);
        const grown = await drainInto(engine, dir, bodies, true);
        empty ??= await drainInto(engine, dir, bodies, false);
        // The same events must end the same way in both stores, or the two drains did not do the same work.
        if (JSON.stringify(empty.statuses) !== JSON.stringify(grown.statuses) || empty.changes !== grown.changes)
          throw new Error(`end states differ: ${JSON.stringify(empty)} vs ${JSON.stringify(grown)}`);
        results.push({ empty, grown });
        process.stdout.write(
          `${engine} round ${round}  empty ${empty.perSec.toFixed(0).padStart(6)} events/s | grown ${grown.perSec.toFixed(0).padStart(6)} events/s | ratio ${(grown.perSec / empty.perSec).toFixed(3)}  statuses ${JSON.stringify(grown.statuses)} changes ${grown.changes}\n`,
        );
      }
      const ratioOf = (r: { empty: DrainResult; grown: DrainResult }) => r.grown.perSec / r.empty.perSec;
      const sorted = [...results].sort((a, b) => ratioOf(a) - ratioOf(b));
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      if (!median) continue;
      // With an even number of rounds, the mean of the middle two ratios (the rates shown are the lower one's).
      const upper = sorted[Math.floor(sorted.length / 2)] ?? median;
      const medianRatio = (ratioOf(median) + ratioOf(upper)) / 2;
      process.stdout.write(
        `${JSON.stringify({
          bench: 'scale',
          engine,
          ratio: Number(medianRatio.toFixed(3)),
          ratios: results.map((r) => Number(ratioOf(r).toFixed(3))),
          grown_events_per_s: Math.round(median.grown.perSec),
          empty_events_per_s: Math.round(median.empty.perSec),
          events: total,
          preloaded_records: preload,
          preloaded_changes: preload,
          rounds,
          ...(engine === 'sqlite' && sqliteCacheMb !== undefined ? { sqlite_cache_mb: Number(sqliteCacheMb) } : {}),
        })}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
