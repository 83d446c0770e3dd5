import { createTask, type ScheduledTask } from 'node-cron';
import { AppError, isAppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import type { JobLockStore } from '../jobs/job-lock-store';
import type { Connector, ProgressReporter } from './connector';
import { logProgress } from './progress-reporter';

/** How one run ended. `skipped`: the same connector was already running (or the runner is stopping). */
export interface RunOutcome {
  connector: string;
  status: 'ok' | 'failed' | 'skipped';
  delivered: number;
  /** The checkpoint after the run (unchanged by a failure past what the downstream took). */
  checkpoint?: number;
  error?: { code: string; message: string };
  startedAt: Date;
  finishedAt: Date;
}

/** How long one instance may hold a connector before another may take over (a crashed run's lease runs out). */
const CONNECTOR_LEASE_MS = 30 * 60_000;

function skipped(connector: string, startedAt: Date): RunOutcome {
  return { connector, status: 'skipped', delivered: 0, startedAt, finishedAt: new Date() };
}

/** A connector and its cron schedule (none: on demand only). */
export interface ScheduledConnector {
  connector: Connector;
  schedule?: string;
}

/**
 * Runs connectors on their node-cron schedules and on demand, each on its own: a failing connector is logged and
 * keeps its checkpoint, tries again on its next tick, and never stops another.
 * @remarks Two runs of one connector never overlap: a run asked for while one is going is skipped (outcome
 * `skipped`), not queued; the next tick catches up anyway. With a lock store (several instances on one database)
 * this holds across processes too: a run takes the `job_locks` row `connector:<name>`, and a scheduled tick runs on
 * the one instance that takes that minute.
 * @example const runner = new ConnectorRunner([{ connector, schedule: '*\/5 * * * *' }], logger); runner.start();
 */
export class ConnectorRunner {
  private readonly byName = new Map<string, ScheduledConnector>();
  private readonly running = new Map<string, Promise<RunOutcome>>();
  private readonly outcomes = new Map<string, RunOutcome>();
  private readonly tasks: ScheduledTask[] = [];
  private readonly stopping = new AbortController();

  constructor(
    connectors: readonly ScheduledConnector[],
    private readonly logger: Logger,
    private readonly locks?: { store: JobLockStore; owner: string },
  ) {
    for (const c of connectors) this.byName.set(c.connector.name, c);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The outcome of the last finished run of `name` in this process. */
  lastOutcome(name: string): RunOutcome | undefined {
    return this.outcomes.get(name);
  }

  /**
   * Runs `name` now unless it is already running (here, or in another instance when locks are on). `tick` is the
   * scheduled minute for a cron run. Never throws for a connector's failure: see the outcome.
   */
  run(name: string, progress?: ProgressReporter, tick?: string): Promise<RunOutcome> {
    const entry = this.byName.get(name);
    if (!entry) return Promise.reject(new AppError('CONNECTOR_NOT_FOUND', `no connector ${name} is configured`));
    const startedAt = new Date();
    if (this.running.has(name) || this.stopping.signal.aborted) {
      this.logger.info({ connector: name }, 'connector run skipped; a run is still going');
      return Promise.resolve(skipped(name, startedAt));
    }
    const run = this.locked(name, tick, () => this.execute(entry.connector, startedAt, progress ?? logProgress(this.logger, name))).finally(() =>
      this.running.delete(name),
    );
    this.running.set(name, run);
    return run;
  }

  private async locked(name: string, tick: string | undefined, body: () => Promise<RunOutcome>): Promise<RunOutcome> {
    if (!this.locks) return body();
    const lockName = `connector:${name}`;
    const startedAt = new Date();
    if (!(await this.locks.store.acquire(lockName, this.locks.owner, tick, CONNECTOR_LEASE_MS, startedAt))) {
      this.logger.info({ connector: name, tick }, 'connector run skipped; another instance runs it');
      return skipped(name, startedAt);
    }
    try {
      return await body();
    } finally {
      await this.locks.store.release(lockName, this.locks.owner, new Date());
    }
  }

  /** Schedules every connector that has a schedule. */
  start(): void {
    for (const { connector, schedule } of this.byName.values()) {
      if (schedule === undefined) continue;
      const task = createTask(schedule, () => this.run(connector.name, undefined, new Date().toISOString().slice(0, 16)), {
        name: `connector:${connector.name}`,
      });
      this.tasks.push(task);
      void task.start();
      this.logger.info({ connector: connector.name, schedule }, 'connector scheduled');
    }
  }

  /** Unschedules, asks running connectors to stop at their next safe point, and waits for them. */
  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private async execute(connector: Connector, startedAt: Date, progress: ProgressReporter): Promise<RunOutcome> {
    const log = this.logger.child({ connector: connector.name });
    let outcome: RunOutcome;
    try {
      const result = await connector.run({ logger: log, progress, signal: this.stopping.signal });
      outcome = { connector: connector.name, status: 'ok', ...result, startedAt, finishedAt: new Date() };
      log.info({ delivered: result.delivered, checkpoint: result.checkpoint }, 'connector run finished');
    } catch (err) {
      const error = isAppError(err) ? { code: err.code, message: err.message } : { code: 'SERVER_INTERNAL', message: (err as Error).message };
      if (!isAppError(err)) log.error({ err }, 'connector run failed unexpectedly');
      else log.error({ code: error.code, reason: error.message }, 'connector run failed');
      outcome = { connector: connector.name, status: 'failed', delivered: 0, error, startedAt, finishedAt: new Date() };
    }
    this.outcomes.set(connector.name, outcome);
    return outcome;
  }
}
