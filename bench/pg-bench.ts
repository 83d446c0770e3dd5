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

/**
 * bench:pg — ingest (HTTP, token auth, group commit) and drain (worker processes) throughput on PostgreSQL with
 * 1 and with 3 processes, and on SQLite with 1, all in one run on this machine.
 * Usage: npm run bench:pg [-- --seconds 10 --events 30000]   (PostgreSQL from BENCH_DATABASE_URL)
 */
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

async function drain(dir: string, db: DbBlock, knex: Knex, processes: number): Promise<number> {
  const bodies = eventMix({
    count: drainEvents,
    keysPerType: Math.max(100, drainEvents / 50),
    duplicateRate: 0.1,
    outOfOrderRate: 0.1,
    seed: 5,
    fixturesDir: join(ROOT, 'mappings', 'fixtures'),
  });
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
  const started = Date.now();
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, [BIN, '--config-dir', dir, '--config', config, 'worker'], { stdio: 'ignore', cwd: dir }),
  );
  for (;;) {
    const pending = Number(((await knex('inbox_events').where('status', 'accepted').count({ n: '*' })) as { n: string }[])[0]?.n);
    if (pending === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const perSec = bodies.length / ((Date.now() - started) / 1000);
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
    for (const n of [1, 3]) {
      process.stderr.write(`PostgreSQL, ${n} receiver(s)...\n`);
      out[`ingest_${n}`] = await withPgSchema((db) => ingest(dir, db, n));
      process.stderr.write(`PostgreSQL, ${n} worker(s)...\n`);
      out[`drain_${n}`] = await withPgSchema((db, knex) => drain(dir, db, knex, n));
    }
    process.stderr.write('SQLite, 1 receiver, 1 worker...\n');
    out.sqlite_ingest = await withSqlite(dir, (db) => ingest(dir, db, 1));
    out.sqlite_drain = await withSqlite(dir, (db, knex) => drain(dir, db, knex, 1));
    for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(14)} ${v.toFixed(0).padStart(7)} /s\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'pg', ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)])), cores: cpus().length })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
