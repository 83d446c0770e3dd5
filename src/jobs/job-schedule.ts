import { AppError } from '../core/app-error';
import type { ErrorCode } from '../core/error-codes';
import type { Exclusive, Scheduler } from './scheduler';

/** What one run did, as counts by what they count (`payloads purged: 2`), in output order. */
export type JobCounts = Readonly<Record<string, number>>;

/** A periodic job: a handler that takes "now" and can be called without cron. */
export interface Job {
  readonly name: string;
  /** node-cron expression; none: on demand only (`jobs run`). */
  readonly schedule: string | undefined;
  /** Runs once; resolves with counts of what it did (for logs and `jobs run`). `signal` aborts at a stop. */
  run(now: Date, signal?: AbortSignal): Promise<JobCounts>;
}

/**
 * The service's own jobs (retention, and the reconciliation job to come) on the one Scheduler: `serve` and
 * `worker` start them, `jobs list|run` name and run them.
 *
 * @remarks A job never overlaps itself (see Scheduler): an on-demand run asked for while one is going here joins
 * it; one going on another instance refuses it with JOB_RUNNING.
 */
export class JobSchedule {
  private readonly joined = new Map<string, Promise<JobCounts>>();

  constructor(
    readonly jobs: readonly Job[],
    private readonly scheduler: Scheduler,
  ) {
    for (const job of jobs) scheduler.register({ name: job.name, schedule: job.schedule, run: (now, signal) => job.run(now, signal) });
  }

  /** Schedules every job; calling it twice does nothing more. */
  start(): void {
    this.scheduler.start(this.jobs.map((j) => j.name));
  }

  /** Stops the scheduler (every task on it) and waits for runs in progress. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /**
   * Runs one job now, or joins the run already in progress here. With a lock store it takes the job's lease
   * first, so an on-demand run (`jobs run`) never overlaps another instance's scheduled one.
   * @throws AppError JOB_UNKNOWN for a name not in the list; (the promise) JOB_RUNNING when another instance holds it.
   */
  run(name: string): Promise<JobCounts> {
    const job = this.jobNamed(name);
    const inProgress = this.joined.get(name);
    if (inProgress) return inProgress;
    const run = this.scheduler
      .exclusive(name, undefined, (now) => job.run(now))
      .then(countsOf(name))
      .finally(() => this.joined.delete(name));
    this.joined.set(name, run);
    return run;
  }

  /**
   * Runs `body` as the one run of `name` here and across instances (the job lock, renewed while it runs): for long work
   * started outside the schedule, such as a backfill, that two instances must not do at once.
   * @throws AppError `busy` when a run of `name` is going, here or on another instance; what `body` throws.
   */
  exclusively<T>(name: string, busy: ErrorCode, body: () => Promise<T>): Promise<T> {
    return this.scheduler.exclusively(
      name,
      body,
      (where) =>
        new AppError(busy, `${name} is running ${where === 'here' ? 'in this process' : 'on another instance'}; try again when it is done`),
    );
  }

  /** One cron tick of `name`, as the schedule runs it (tests call it without cron). */
  runScheduled(name: string): Promise<void> {
    return this.scheduler.tick(this.jobNamed(name).name);
  }

  private jobNamed(name: string): Job {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) throw new AppError('JOB_UNKNOWN', `no job named ${JSON.stringify(name)}; jobs: ${this.jobs.map((j) => j.name).join(', ')}`);
    return job;
  }
}

/** A job's counts from its exclusive run; a run held elsewhere is refused, one going here (a tick) is joined. */
function countsOf(name: string): (outcome: Exclusive<unknown>) => Promise<JobCounts> {
  const unwrap = async (outcome: Exclusive<unknown>): Promise<JobCounts> => {
    if (outcome.status === 'ran') return outcome.value as JobCounts;
    if (outcome.status === 'running-here') return unwrap(await outcome.run);
    throw new AppError('JOB_RUNNING', `job ${name} is running on another instance; try again when it is done`);
  };
  return unwrap;
}
