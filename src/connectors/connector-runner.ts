import { AppError, isAppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import { systemClock } from '../core/clock';
import { Scheduler } from '../jobs/scheduler';
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

function skipped(connector: string, startedAt: Date): RunOutcome {
  return { connector, status: 'skipped', delivered: 0, startedAt, finishedAt: new Date() };
}

/** A connector and its cron schedule (none: on demand only). */
export interface ScheduledConnector {
  connector: Connector;
  schedule?: string;
}

/** The scheduler task (and `job_locks` row) of connector `name`. */
export function connectorTaskName(name: string): string {
  return `connector:${name}`;
}

/**
 * Runs connectors as tasks of the one Scheduler, on their cron schedules and on demand, each on its own: a failing
 * connector is logged and keeps its checkpoint, tries again on its next tick, and never stops another.
 * @remarks Two runs of one connector never overlap: a run asked for while one is going is skipped (outcome
 * `skipped`), not queued; the next tick catches up anyway. With a lock store on the scheduler (several instances on
 * one database) this holds across processes too: a run takes the `job_locks` row `connector:<name>`, and a scheduled
 * tick runs on the one instance that takes that minute.
 * @example const runner = new ConnectorRunner([{ connector, schedule: '*\/5 * * * *' }], logger); runner.start();
 */
export class ConnectorRunner {
  /** Called with every run's outcome, skipped ones included (the metrics' connector counters). */
  onOutcome: ((outcome: RunOutcome) => void) | undefined;
  private readonly byName = new Map<string, ScheduledConnector>();
  private readonly outcomes = new Map<string, RunOutcome>();

  constructor(
    connectors: readonly ScheduledConnector[],
    private readonly logger: Logger,
    private readonly scheduler: Scheduler = new Scheduler(systemClock, logger),
  ) {
    for (const c of connectors) {
      this.byName.set(c.connector.name, c);
      scheduler.register({
        name: connectorTaskName(c.connector.name),
        schedule: c.schedule,
        // The scheduler holds the task's lock for the tick already: run the connector itself.
        run: () => this.execute(c.connector, new Date(), logProgress(logger, c.connector.name)),
      });
    }
  }

  /** The configured connectors' names, scheduled or not. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The connector `name`. @throws AppError CONNECTOR_NOT_FOUND when none is configured. */
  connector(name: string): Connector {
    const entry = this.byName.get(name);
    if (!entry) throw new AppError('CONNECTOR_NOT_FOUND', `no connector ${name} is configured`);
    return entry.connector;
  }

  /**
   * Runs `body` as a run of connector `name` would run (never beside one of its runs): for a retry of a parked change.
   * @throws AppError CONNECTOR_BUSY when a run of it is going (here, or in another instance when locks are on).
   */
  async exclusively<T>(name: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.connector(name);
    return this.scheduler.exclusively(
      connectorTaskName(name),
      () => body(this.scheduler.signal),
      () => new AppError('CONNECTOR_BUSY', `connector ${name} is running; try again when its run is over`),
    );
  }

  /** The outcome of the last finished run of `name` in this process. */
  lastOutcome(name: string): RunOutcome | undefined {
    return this.outcomes.get(name);
  }

  /**
   * Runs `name` now unless it is already running (here, or in another instance when locks are on). `tick` is the
   * scheduled minute for a cron run. Never throws for a connector's failure: see the outcome.
   */
  async run(name: string, progress?: ProgressReporter, tick?: string): Promise<RunOutcome> {
    const entry = this.byName.get(name);
    if (!entry) throw new AppError('CONNECTOR_NOT_FOUND', `no connector ${name} is configured`);
    const startedAt = new Date();
    if (this.scheduler.signal.aborted) return skipped(name, startedAt);
    const reporter = progress ?? logProgress(this.logger, name);
    const outcome = await this.scheduler.exclusive(connectorTaskName(name), tick, () => this.execute(entry.connector, startedAt, reporter));
    if (outcome.status === 'ran') return outcome.value;
    const where = outcome.status === 'running-here' ? 'a run is still going' : 'another instance runs it';
    this.logger.info({ connector: name, tick }, `connector run skipped; ${where}`);
    const skip = skipped(name, startedAt);
    this.onOutcome?.(skip);
    return skip;
  }

  /** Schedules every connector that has a schedule. */
  start(): void {
    this.scheduler.start([...this.byName.keys()].map(connectorTaskName));
  }

  /** Unschedules, asks running connectors to stop at their next safe point, and waits for them. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  private async execute(connector: Connector, startedAt: Date, progress: ProgressReporter): Promise<RunOutcome> {
    const log = this.logger.child({ connector: connector.name });
    let outcome: RunOutcome;
    try {
      const result = await connector.run({ logger: log, progress, signal: this.scheduler.signal });
      outcome = { connector: connector.name, status: 'ok', ...result, startedAt, finishedAt: new Date() };
      log.info({ delivered: result.delivered, checkpoint: result.checkpoint }, 'connector run finished');
    } catch (err) {
      const error = isAppError(err)
        ? { code: err.code, message: err.message }
        : { code: 'SERVER_INTERNAL', message: (err as Error).message };
      if (!isAppError(err)) log.error({ err }, 'connector run failed unexpectedly');
      else log.error({ code: error.code, reason: error.message }, 'connector run failed');
      outcome = { connector: connector.name, status: 'failed', delivered: 0, error, startedAt, finishedAt: new Date() };
    }
    this.outcomes.set(connector.name, outcome);
    this.onOutcome?.(outcome);
    return outcome;
  }
}
