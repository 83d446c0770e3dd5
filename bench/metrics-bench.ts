import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../src/compose/container';
import { configSchema } from '../src/config/config-schema';
import { argValue } from './lib/bench-args';

/**
 * bench:metrics — one /metrics scrape (every database gauge, records by entity and deleted included) on a store of
 * `--records` records (5 entities, 1 in 10 deleted), with records_entity_deleted_index (migration 010) against the
 * same scrape with that index dropped, in the same run and on the same data; SQLite, and PostgreSQL with `--pg <url>`.
 * Prints figures, then one JSON line per engine {"bench":"metrics","engine":…,"ratio":…} (with index / without).
 * Usage: npm run bench:metrics [-- --records 1000000 --rounds 5 --pg postgres://postgres@127.0.0.1:5432/test]
 */
const total = Number(argValue('--records') ?? 1_000_000);
const rounds = Number(argValue('--rounds') ?? 5);
const pgUrl = argValue('--pg');
const quiet = pino({ level: 'silent' });

/** Fills `records` with generated rows in one statement per engine (a recursive CTE on SQLite, generate_series on PostgreSQL). */
async function fill(c: Container, engine: 'sqlite' | 'pg'): Promise<void> {
  const now = new Date().toISOString();
  const select = (n: string) =>
    `'shop', 'entity' || (${n} % 5), 'k' || ${n}, '{"n":1}', 'u' || ${n}, 1, 'ADDED', 'v1', (${n} % 10 = 0), ?, ?`;
  const columns =
    'source, entity, record_key, data, event_uuid, event_timestamp, event_action, mapping_version, deleted, created_at, updated_at';
  if (engine === 'pg') {
    await c.db.raw(`insert into records (${columns}) select ${select('g')} from generate_series(1, ?) g`, [now, now, total]);
  } else {
    await c.db.raw(
      `with recursive g(n) as (select 1 union all select n + 1 from g where n < ?) insert into records (${columns}) select ${select('n')} from g`,
      [total, now, now],
    );
  }
  // VACUUM sets PostgreSQL's visibility map, as autovacuum does on a live store, so an index-only scan can skip the heap.
  await c.db.raw(engine === 'pg' ? 'vacuum analyze records' : 'analyze');
}

/** The median time of `rounds` scrapes, in ms; the cache is off, so each scrape reads the database. */
async function scrapeMs(c: Container): Promise<{ ms: number; text: string }> {
  const metrics = c.metrics;
  if (!metrics) throw new Error('metrics are off');
  const times: number[] = [];
  let text = '';
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    text = await metrics.registry.metrics();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, text };
}

async function run(engine: 'sqlite' | 'pg', db: Record<string, unknown>): Promise<void> {
  const config = configSchema.parse({ environment: 'test', db, metrics: { cacheMs: 0 } });
  const c = new Container(config, { logger: quiet });
  try {
    await c.migrate();
    const filling = Date.now();
    await fill(c, engine);
    process.stdout.write(`${engine}: ${total} records written in ${((Date.now() - filling) / 1000).toFixed(1)} s\n`);
    const indexed = await scrapeMs(c);
    const sum = [...indexed.text.matchAll(/^appdirect_sync_records\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    if (sum !== total) throw new Error(`the records gauge sums to ${sum}, not ${total}`);
    await c.db.schema.alterTable('records', (t) => t.dropIndex([], 'records_entity_deleted_index'));
    const bare = await scrapeMs(c);
    process.stdout.write(`${engine}: scrape ${indexed.ms.toFixed(1)} ms with the index, ${bare.ms.toFixed(1)} ms without\n`);
    const ratio = indexed.ms / bare.ms;
    process.stdout.write(
      `${JSON.stringify({ bench: 'metrics', engine, records: total, indexedMs: indexed.ms, withoutIndexMs: bare.ms, ratio })}\n`,
    );
  } finally {
    if (engine === 'pg') await c.db.schema.dropSchemaIfExists(String(db.schema), true);
    await c.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
  try {
    await run('sqlite', { client: 'sqlite', filename: join(dir, 'metrics.db') });
    if (pgUrl) await run('pg', { client: 'pg', url: pgUrl, schema: `bench_metrics_${process.pid}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
