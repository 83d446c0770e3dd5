import { join } from 'node:path';
import type { Knex } from 'knex';
import pino from 'pino';
import { systemClock } from '../../src/core/clock';
import { WalCheckpointer } from '../../src/db/wal-checkpointer';
import { createInboxQueue } from '../../src/inbox/create-inbox-stores';
import { FileMappingRegistry } from '../../src/mapping';
import { createRecordStore } from '../../src/records/create-record-stores';
import { InlinePlanner } from '../../src/worker/event-planner';
import { SyncWorker } from '../../src/worker/sync-worker';
import { ThreadedPlanner } from '../../src/worker/threaded-planner';

export interface DrainResult {
  perSec: number;
  claimed: number;
  statuses: Record<string, number>;
  changes: number;
}

/**
 * Drains what is waiting in the inbox of `db` through the sync worker, as `serve` and `worker` run it: mapping on
 * its own thread (unless `inlineMapping`), on SQLite WAL checkpoints on theirs (ADR 0010), both started before the
 * clock starts, as in a running service. Returns events per second and the end state (statuses, changes written
 * by this drain's events).
 */
export async function drainInProcess(
  db: Knex,
  root: string,
  options: { batch: number; inlineMapping?: boolean; sqliteFilename?: string; onProgress?: (claimed: number) => void },
): Promise<DrainResult> {
  const logger = pino({ level: 'silent' });
  const checkpoints = options.sqliteFilename ? new WalCheckpointer(db, options.sqliteFilename, logger) : undefined;
  await checkpoints?.start();
  const mappings = FileMappingRegistry.open(join(root, 'mappings'), logger);
  const planner = options.inlineMapping ? new InlinePlanner(mappings) : new ThreadedPlanner(join(root, 'mappings'), mappings, logger);
  const worker = new SyncWorker(
    db,
    createInboxQueue(db),
    createRecordStore(db),
    mappings,
    systemClock,
    logger,
    { batchSize: options.batch, leaseMs: 600_000, maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1000, idleDelayMs: 10 },
    planner,
  );
  await planner.start();
  const started = process.hrtime.bigint();
  let lastReport = Date.now();
  const totals = await worker.drain((sofar) => {
    if (Date.now() - lastReport < 2000) return;
    options.onProgress?.(sofar.claimed);
    lastReport = Date.now();
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = (await db('inbox_events').select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: number | string }[];
  const changes = Number(((await db('changes').whereNotNull('inbox_event_id').count({ n: '*' })) as { n: number | string }[])[0]?.n ?? 0);
  await planner.close();
  mappings.close();
  await checkpoints?.stop();
  return {
    perSec: totals.claimed / seconds,
    claimed: totals.claimed,
    statuses: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
    changes,
  };
}
