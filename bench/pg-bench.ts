import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { createKnex, type Knex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { subscriptionDelivery } from './lib/appdirect-bodies';
import { eventMix } from './lib/event-mix';
import { preloadInbox } from './lib/preload-inbox';
import { startServiceProcess, type ServiceProcess } from './lib/service-process';
import { argValue } from './lib/bench-args';
import { pgJsonbUpsertFloor } from './lib/pg-jsonb-floor';

/**
 * bench:pg — ingest (HTTP, token auth, group commit) and drain (worker processes) throughput on PostgreSQL with
 * 1 and with 3 processes, and on SQLite with 1, all in one run on this machine.
 * The drain is also measured against a bare jsonb upsert of the same rows at the same concurrency (issue 18):
 * `floor_ratio_<n>` in the JSON line. --no-ingest skips the HTTP runs.
 * Usage: npm run bench:pg [-- --seconds 10 --events 30000 --no-ingest]   (PostgreSQL from BENCH_DATABASE_URL)
 */
const withIngest = !process.argv.includes('--no-ingest');
const seconds = Number(argValue('--seconds') ?? 10);
const drainEvents = Number(argValue('--events') ?? 30_000);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'appdirect-sync.js');
const TOKEN = 'bench-token-0123456789abcdef';

type DbBlock = Record<string, unknown>;

async function ingest(dir: string, db: DbBlock, processes: number): Promise<number> {
  const receivers: ServiceProcess[] = [];
  for (let i = 0; i < processes; i++) {
    receivers.push(
      await startServiceProcess(
        mkdtempSync(join(dir, 'r-')),
        {
          db,
          worker: { enabled: false },
          sources: { bench: { auth: { mode: 'token', tokens: [{ name: 'b', value: TOKEN }] } } },
        },
        ['serve'],
        { keepOutput: false },
      ),
    );
  }
  let i = 0;
  const load = (url: string, connections: number, duration: number) =>
    autocannon({
      url: `${url}/webhooks/bench`,
      method: 'POST',
      connections,
      duration,
      headers: { 'content-type': 'application/json', 'x-appdirect-webhook-token': TOKEN },
      requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: subscriptionDelivery(i++) }) }],
    });
  const split = Math.ceil(50 / processes);
  await Promise.all(receivers.map((r) => load(r.url, split, 2))); // warm-up
  const results = await Promise.all(receivers.map((r) => load(r.url, split, seconds)));
  for (const r of receivers) {
    r.child.kill('SIGTERM');
    await r.exited;
  }
  const errors = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
  if (errors > 0) process.stderr.write(`  ${errors} non-2xx or errors\n`);
  return results.reduce((n, r) => n + r.requests.average, 0);
}

function drainBodies(): Buffer[] {
  return eventMix({
    count: drainEvents,
    keysPerType: Math.max(100, drainEvents / 50),
    duplicateRate: 0.1,
    outOfOrderRate: 0.1,
    seed: 5,
    fixturesDir: join(ROOT, 'mappings', 'fixtures'),
  });
}

async function drain(dir: string, db: DbBlock, knex: Knex, processes: number): Promise<number> {
  const bodies = drainBodies();
  await preloadInbox(knex, bodies);
  const config = join(dir, `worker-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(
    config,
    stringify({
      environment: 'test',
      db,
      log: { level: 'warn' },
      mappings: { dir: join(ROOT, 'mappings') },
      worker: { batchSize: 500 },
      sources: {},
    }),
  );
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, [BIN, '--config-dir', dir, '--config', config, 'worker'], { stdio: 'ignore', cwd: dir }),
  );
  const pendingNow = async () =>
    Number(((await knex('inbox_events').where('status', 'accepted').count({ n: '*' })) as { n: string }[])[0]?.n);
  // The clock starts when the first batch has committed, not at the spawn: a process's start (loading the code,
  // the mapping thread, the migration check) is not drain work, and the floor does not pay it either.
  let first: { at: bigint; pending: number } | undefined;
  for (;;) {
    const pending = await pendingNow();
    if (!first && pending < bodies.length) first = { at: process.hrtime.bigint(), pending };
    if (pending === 0) break;
    await new Promise((r) => setTimeout(r, first ? 100 : 10));
  }
  const perSec = (first?.pending ?? 0) / (Number(process.hrtime.bigint() - (first?.at ?? 0n)) / 1e9);
  for (const c of children) c.kill('SIGTERM');
  return perSec;
}

async function withPgSchema<T>(fn: (db: DbBlock, knex: Knex) => Promise<T>): Promise<T> {
  const schema = `appdirect_bench_${randomBytes(4).toString('hex')}`;
  const db = { client: 'pg', url: PG_URL, schema, pool: { max: 10 } };
  const knex = createKnex(db as never);
  await migrateLatest(knex);
  try {
    return await fn(db, knex);
  } finally {
    await knex.raw('drop schema if exists ?? cascade', [schema]);
    await knex.destroy();
  }
}

async function withSqlite<T>(dir: string, fn: (db: DbBlock, knex: Knex) => Promise<T>): Promise<T> {
  const db = { client: 'sqlite', filename: join(dir, `bench-${randomBytes(3).toString('hex')}.db`) };
  const knex = createKnex(db as never);
  await migrateLatest(knex);
  try {
    return await fn(db, knex);
  } finally {
    await knex.destroy();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  try {
    process.stderr.write(
      `bench:pg ${seconds} s ingest runs, ${drainEvents} events per drain, ${cpus().length} cores (${cpus()[0]?.model})\n`,
    );
    const out: Record<string, number> = {};
    // Issue 18: the drain against a bare jsonb upsert of the same rows at the same concurrency, in the same run.
    const ratios: Record<string, number> = {};
    for (const n of [1, 3]) {
      if (withIngest) {
        process.stderr.write(`PostgreSQL, ${n} receiver(s)...\n`);
        out[`ingest_${n}`] = await withPgSchema((db) => ingest(dir, db, n));
      }
      process.stderr.write(`PostgreSQL, ${n} worker(s)...\n`);
      out[`drain_${n}`] = await withPgSchema((db, knex) => drain(dir, db, knex, n));
      process.stderr.write(`PostgreSQL, bare jsonb upsert of the same rows, ${n} connection(s)...\n`);
      out[`jsonb_floor_${n}`] = await withPgSchema((_db, knex) => pgJsonbUpsertFloor(knex, drainBodies(), n));
      ratios[`floor_ratio_${n}`] = Number(((out[`drain_${n}`] ?? 0) / (out[`jsonb_floor_${n}`] ?? 1)).toFixed(3));
    }
    process.stderr.write('SQLite, 1 receiver, 1 worker...\n');
    if (withIngest) out.sqlite_ingest = await withSqlite(dir, (db) => ingest(dir, db, 1));
    out.sqlite_drain = await withSqlite(dir, (db, knex) => drain(dir, db, knex, 1));
    for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(14)} ${v.toFixed(0).padStart(7)} /s\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'pg', ...ratios, ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)])), cores: cpus().length })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
