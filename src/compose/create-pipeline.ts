import { ReceiverService } from '../receiver/receiver-service';
import type { RecordWriter } from '../records/record-store';
import { InlinePlanner, type EventPlanner } from '../worker/event-planner';
import { SyncWorker, type SyncWorkerOptions } from '../worker/sync-worker';
import { ThreadedPlanner } from '../worker/threaded-planner';
import { ResourceRefetcher } from '../worker/resource-refetcher';
import type { Container } from './container';

/** What a worker built beside the container's own may differ in (tests of the engine). */
export interface WorkerOverrides {
  records?: RecordWriter;
  planner?: EventPlanner;
  options?: SyncWorkerOptions;
}

/**
 * The receiver of the composition root: commits deliveries to the inbox and wakes the service's worker (in this
 * thread or on its own, ADR 0040).
 *
 * @remarks The worker is taken once here, not on each delivery, so intake pays no getter.
 */
export function createReceiver(c: Container): ReceiverService {
  const worker = c.serviceWorker;
  const { groupCommitMax, rejectedKeep, maxDepth } = c.config.receiver;
  return new ReceiverService(c.stores.inbox, c.clock, c.logger, {
    groupCommitMax,
    rejectedKeep,
    maxDepth,
    onAccepted: () => worker.notify(),
  });
}

/** The worker's planner: on a thread of its own (reloaded with the mapping files) unless worker.mappingThread is off. */
export function createPlanner(c: Container): EventPlanner {
  if (!c.config.worker.mappingThread) return new InlinePlanner(c.mappings);
  const planner = new ThreadedPlanner(c.config.mappings.dir, c.mappings, c.logger);
  c.mappings.onReload(() => planner.reload());
  return planner;
}

/** A sync worker on the container's inbox queue and mappings; records, planner and options default to the container's. */
export function createSyncWorker(c: Container, overrides: WorkerOverrides = {}): SyncWorker {
  const { records = c.stores.records, planner = c.planner, options = c.config.worker } = overrides;
  const worker = new SyncWorker(c.db, c.stores.inboxQueue, records, c.mappings, c.clock, c.logger, options, planner);
  const refetching = Object.entries(c.config.sources).filter(([, s]) => s.appdirectApi?.refetch);
  if (refetching.length > 0) {
    const sources = new Set(refetching.map(([name]) => name));
    worker.completer = new ResourceRefetcher((source) => (sources.has(source) ? c.appdirectApi(source) : undefined));
  }
  return worker;
}
