import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createKnex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { eventMix } from './lib/event-mix';
import { preloadInbox } from './lib/preload-inbox';
import { argValue } from './lib/bench-args';
import { drainInProcess, type DrainResult } from './lib/drain-in-process';

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

async function drain(dir: string, bodies: Buffer[]): Promise<DrainResult> {
  const filename = join(dir, 'sync.db');
  const db = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
  try {
    await migrateLatest(db);
    await preloadInbox(db, bodies);
    return await drainInProcess(db, ROOT, {
      batch,
      inlineMapping,
      sqliteFilename: filename,
      onProgress: (n) => process.stderr.write(`  drained ${n}/${bodies.length}\n`),
    });
  } finally {
    await db.destroy();
  }
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
