import { hostname } from 'node:os';
import type { ConnectorRunner } from '../connectors/connector-runner';
import { createConnectors } from '../connectors/create-connectors';
import { createRecordShapes } from './create-record-shapes';
import type { JobLockStore } from '../jobs/job-lock-store';
import { JobSchedule } from '../jobs/job-schedule';
import { ReconcileJob } from '../jobs/reconcile-job';
import { RetentionJob } from '../jobs/retention-job';
import { Scheduler } from '../jobs/scheduler';
import type { Container } from './container';

/** The job locks every periodic task takes, so one instance runs it at a time across a shared database. */
export interface JobLocks {
  store: JobLockStore;
  /** Names this process in `job_locks.owner`: host and pid. */
  owner: string;
}

/**
 * The schedules of the composition root, in one place: the periodic jobs (retention) and the connectors, both
 * coordinated across instances by job locks.
 */
export function createJobLocks(c: Container): JobLocks {
  return { store: c.stores.jobLocks, owner: `${hostname()}:${process.pid}` };
}

/** The one scheduler of every periodic task (jobs and connectors); a new task is one more registration on it. */
export function createScheduler(c: Container): Scheduler {
  return new Scheduler(c.clock, c.logger, c.jobLocks);
}

/** The periodic jobs (retention), scheduled under `serve` and `worker`, run on demand by `jobs run`. */
export function createJobSchedule(c: Container): JobSchedule {
  const retention = new RetentionJob(
    { db: c.db, events: c.events, store: c.stores.retention, consumers: c.stores.consumers },
    c.config.retention,
    c.logger,
  );
  const reconciles = Object.entries(c.config.sources).flatMap(([source, s]) =>
    s.appdirectApi ? [new ReconcileJob(source, s.appdirectApi.reconcile.schedule, () => c.reconcile(source))] : [],
  );
  return new JobSchedule([retention, ...reconciles], c.scheduler);
}

/**
 * The configured connectors reading the feed. `locked`: runs take the job lock `connector:<name>` (the scheduled
 * runs under `serve`); `connectors run` has always run without it.
 */
export function createConnectorRunner(c: Container, locked: boolean): ConnectorRunner {
  const metrics = c.metrics;
  return createConnectors(c.config.connectors, {
    feed: c.feed,
    logger: c.logger,
    failures: c.stores.connectorFailures,
    layouts: c.stores.csvLayouts,
    clock: c.clock,
    scheduler: locked ? c.scheduler : undefined,
    shapes: (_name, config) => createRecordShapes(c, config),
    onParked: metrics ? (connector) => metrics.connectors.parked.inc({ connector }) : undefined,
  });
}
