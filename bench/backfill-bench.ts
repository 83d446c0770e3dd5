import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../src/compose/container';
import { configSchema } from '../src/config/config-schema';
import { systemClock } from '../src/core/clock';
import { createKnex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { createInboxQueue } from '../src/inbox/create-inbox-stores';
import { FileMappingRegistry } from '../src/mapping';
import { createRecordStore } from '../src/records/create-record-stores';
import { FakeMarketplace } from '../src/simulate/fake-marketplace';
import { SyncWorker } from '../src/worker/sync-worker';
import { ThreadedPlanner } from '../src/worker/threaded-planner';
import { argValue } from './lib/bench-args';
import { eventMix } from './lib/event-mix';
import { mainThreadCpuMs } from './lib/main-thread-cpu';
import { preloadInbox } from './lib/preload-inbox';

/**
 * bench:backfill — items per second from the local fake marketplace (rate limit off, pages of 100) through the REST
 * client, the inbox, the worker (mapping thread, as `serve` runs) and into records, against bench:sync's drain rate
 * (the same number of pre-loaded webhook events drained by the same worker) in the same run, on SQLite.
 * Usage: npm run bench:backfill [-- --items 20000 --rounds 3 --in-process]
 */
const items = Number(argValue('--items') ?? 20_000);
const rounds = Number(argValue('--rounds') ?? 3);
/** --in-process runs the fake marketplace in the measured process, as the first version of this bench did. */
const inProcess = process.argv.includes('--in-process');
const ROOT = join(__dirname, '..', '..');
const MAPPINGS = join(ROOT, 'mappings');
const logger = pino({ level: 'silent' });
const WORKER = { batchSize: 500, leaseMs: 600_000, maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1000, idleDelayMs: 10 };

/** bench:sync's measurement: pre-load N AppDirect-shaped webhook events, then drain them through the worker. */
async function syncDrain(dir: string, bodies: Buffer[]): Promise<{ perSec: number; mainCpuMs: number | undefined }> {
  const db = createKnex({ client: 'sqlite', filename: join(dir, 'sync.db'), pool: { max: 1 } });
  await migrateLatest(db);
  await preloadInbox(db, bodies);
  const mappings = FileMappingRegistry.open(MAPPINGS, logger);
  const planner = new ThreadedPlanner(MAPPINGS, mappings, logger);
  const worker = new SyncWorker(db, createInboxQueue(db), createRecordStore(db), mappings, systemClock, logger, WORKER, planner);
  await planner.start();
  const cpuBefore = mainThreadCpuMs();
  const started = process.hrtime.bigint();
  const totals = await worker.drain();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mainCpuMs = cpuDelta(cpuBefore);
  await planner.close();
  mappings.close();
  await db.destroy();
  return { perSec: totals.claimed / seconds, mainCpuMs };
}

function cpuDelta(before: number | undefined): number | undefined {
  const now = mainThreadCpuMs();
  return before === undefined || now === undefined ? undefined : now - before;
}

interface BackfillRound {
  perSec: number;
  listed: number;
  records: number;
  /** Seconds from the first request until the listing was committed to the inbox (the worker still applying). */
  listedSeconds: number;
  mainCpuMs: number | undefined;
}

/** A full backfill of companies, subscriptions, orders and invoices from the fake, applied by the running worker. */
async function backfill(dir: string, companies: number): Promise<BackfillRound> {
  const market = await startMarketplace(companies);
  const config = configSchema.parse({
    environment: 'test',
    db: { client: 'sqlite', filename: join(dir, 'backfill.db') },
    mappings: { dir: MAPPINGS },
    worker: WORKER,
    log: { level: 'silent' },
    sources: {
      shop: {
        auth: { mode: 'none' },
        appdirectApi: { baseUrl: market.url, clientId: 'bench', clientSecret: 'bench-secret', requestsPerSecond: 0, pageSize: 100 },
      },
    },
  });
  const c = new Container(config, { logger });
  await c.migrate();
  await c.planner.start();
  const cpuBefore = mainThreadCpuMs();
  const started = process.hrtime.bigint();
  c.worker.start(); // as under `serve`: the worker applies pages while the next ones are listed
  const outcomes = await c.backfill('shop', true).run(['company', 'subscription', 'order', 'invoice']);
  const listedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await c.worker.stop();
  while ((await c.worker.drain()).claimed > 0);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mainCpuMs = cpuDelta(cpuBefore);
  const records = Number(((await c.db('records').count({ n: '*' })) as { n: number }[])[0]?.n ?? 0);
  await c.close();
  market.stop();
  const listed = outcomes.reduce((n, o) => n + o.listed, 0);
  return { perSec: listed / seconds, listed, records, listedSeconds, mainCpuMs };
}

/**
 * The fake marketplace in a child process (bench/lib/fake-marketplace-process.ts), with `--in-process` in this one:
 * AppDirect is remote, so its serialization should not share the measured event loop (both figures are in
 * docs/benchmarks.md).
 */
async function startMarketplace(companies: number): Promise<{ url: string; stop: () => void }> {
  if (inProcess) {
    const market = await FakeMarketplace.start({
      clientId: 'bench',
      clientSecret: 'bench-secret',
      seed: { companies, usersPerCompany: 0, subscriptionsPerCompany: 1, products: 0 },
    });
    return { url: market.url, stop: () => void market.close() };
  }
  const child = spawn(process.execPath, [join(__dirname, 'lib', 'fake-marketplace-process.js'), String(companies)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`fake marketplace exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const companies = Math.max(1, Math.round(items / 4));
  process.stderr.write(`bench:backfill ${companies * 4} items (pages of 100, no rate limit), ${rounds} rounds, ${cpus().length} cores\n`);
  const bodies = eventMix({
    count: companies * 4,
    keysPerType: Math.max(100, companies / 12),
    duplicateRate: 0.1,
    outOfOrderRate: 0.1,
    seed: 42,
    fixturesDir: join(MAPPINGS, 'fixtures'),
  });
  const results: { sync: number; syncCpuMs: number | undefined; backfill: BackfillRound }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-backfill-'));
    try {
      const drained = await syncDrain(dir, bodies);
      const sync = drained.perSec;
      const b = await backfill(dir, companies);
      results.push({ sync, syncCpuMs: drained.mainCpuMs, backfill: b });
      process.stdout.write(
        `round ${round}  sync drain ${sync.toFixed(0).padStart(6)} events/s | backfill ${b.perSec.toFixed(0).padStart(6)} items/s | ratio ${(b.perSec / sync).toFixed(3)}  listed ${b.listed} records ${b.records}` +
          ` | listed in ${b.listedSeconds.toFixed(2)} s | main-thread CPU: drain ${drained.mainCpuMs ?? '?'} ms, backfill ${b.mainCpuMs ?? '?'} ms\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const median = [...results].sort((a, b) => a.backfill.perSec / a.sync - b.backfill.perSec / b.sync)[Math.floor(results.length / 2)];
  if (!median) return;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'backfill',
      items_per_s: Math.round(median.backfill.perSec),
      sync_events_per_s: Math.round(median.sync),
      ratio: Number((median.backfill.perSec / median.sync).toFixed(3)),
      // Main-thread CPU of the backfill over the drain's, same items: what the wall-clock ratio would be with the cores to itself.
      main_cpu_ratio:
        median.syncCpuMs && median.backfill.mainCpuMs ? Number((median.syncCpuMs / median.backfill.mainCpuMs).toFixed(3)) : undefined,
      ratios: results.map((r) => Number((r.backfill.perSec / r.sync).toFixed(3))),
      items: companies * 4,
      rounds,
    })}\n`,
  );
}

void main();
