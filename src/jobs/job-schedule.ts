import cron, { type ScheduledTask } from 'node-cron';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { JobLockStore } from './job-lock-store';

/** How long an instance may hold a job before another may take it over (a crashed run's lease runs out). */
const JOB_LEASE_MS = 30 * 60_000;

/** What one run did, as counts by what they count (`payloads purged: 2`), in output order. */
export type JobCounts = Readonly<Record<string, number>>;

/** A periodic job: a handler that takes "now" and can be called without cron. */
export interface Job {
  readonly name: string;
  /** node-cron expression. */
  readonly schedule: string;
  /** Runs once; resolves with counts of what it did (for logs and `jobs run`). */
  run(now: Date): Promise<JobCounts>;
}

/**
 * The schedule list: every periodic job of the service, started by `serve` and `worker`, stopped on stop.
 *
 * @remarks A job never overlaps itself: a tick that comes while the previous run (scheduled or on demand) is
 * still going is skipped and logged. With a lock store (several instances on one database), each tick runs on
 * one instance only: the first to take the `job_locks` row for that minute; the others skip it.
 */
export class JobSchedule {
  private tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<JobCounts>>();

  constructor(
    readonly jobs: readonly Job[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly locks?: { store: JobLockStore; owner: string },
  ) {
    for (const job of jobs) {
      if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron schedule ${JSON.stringify(job.schedule)}`);
    }
  }

  /** Schedules every job; calling it twice does nothing more. */
  start(): void {
    if (this.tasks.length > 0) return;
    for (const job of this.jobs) {
      const task = cron.schedule(job.schedule, () => this.runScheduled(job.name), { name: job.name, noOverlap: true });
      this.tasks.push(task);
    }
    this.logger.info({ jobs: this.jobs.map((j) => ({ name: j.name, schedule: j.schedule })) }, 'jobs scheduled');
  }

  /** Unschedules every job and waits for runs in progress. */
  async stop(): Promise<void> {
    const tasks = this.tasks;
    this.tasks = [];
    for (const task of tasks) {
      await task.stop();
      await task.destroy();
    }
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Runs one job now, or joins the run already in progress here. With a lock store it takes the job's lease
   * first, so an on-demand run (`jobs run`) never overlaps another instance's scheduled one.
   * @throws AppError JOB_UNKNOWN for a name not in the list; (the promise) JOB_RUNNING when another instance holds it.
   */
  run(name: string): Promise<JobCounts> {
    this.jobNamed(name);
    const inProgress = this.running.get(name);
    if (inProgress) return inProgress;
    return this.execute(name, async () => {
      const now = this.clock.now();
      if (this.locks && !(await this.locks.store.acquire(name, this.locks.owner, undefined, JOB_LEASE_MS, now))) {
        throw new AppError('JOB_RUNNING', `job ${name} is running on another instance; try again when it is done`);
      }
      try {
        return await this.jobNamed(name).run(now);
      } finally {
        await this.locks?.store.release(name, this.locks.owner, this.clock.now());
      }
    });
  }

  private jobNamed(name: string): Job {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) throw new AppError('JOB_UNKNOWN', `no job named ${JSON.stringify(name)}; jobs: ${this.jobs.map((j) => j.name).join(', ')}`);
    return job;
  }

  /** Registers a run as in progress here until it settles. */
  private execute(name: string, fn: () => Promise<JobCounts>): Promise<JobCounts> {
    const run = fn().finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** One cron tick: runs the job unless it is still running here or another instance took this tick. */
  async runScheduled(name: string): Promise<void> {
    if (this.running.has(name)) {
      this.logger.warn({ job: name }, 'job still running, tick skipped');
      return;
    }
    const now = this.clock.now();
    const tick = now.toISOString().slice(0, 16);
    try {
      if (this.locks && !(await this.locks.store.acquire(name, this.locks.owner, tick, JOB_LEASE_MS, now))) {
        this.logger.debug({ job: name, tick }, 'tick taken by another instance');
        return;
      }
      try {
        await this.execute(name, () => this.jobNamed(name).run(now));
      } finally {
        await this.locks?.store.release(name, this.locks.owner, this.clock.now());
      }
    } catch (err) {
      this.logger.error({ err, job: name }, 'job failed');
    }
  }
}
