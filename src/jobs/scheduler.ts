import cron, { type ScheduledTask as CronTask } from 'node-cron';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { JobLockStore } from './job-lock-store';

/**
 * How long another instance must wait before it may take over a task whose holder stopped renewing it (a crashed
 * run's lease runs out). A live run renews its lease every third of this, however long it runs; so it is short (it
 * was 30 minutes without renewal), and a killed backfill or job blocks the next run for minutes, not half an hour.
 */
const TASK_LEASE_MS = 5 * 60_000;

/**
 * A periodic task: retention, one connector, the reconciliation job to come. Adding one is registering it.
 * @remarks `name` is also the `job_locks` row that keeps two instances from running the task at once.
 */
export interface PeriodicTask {
  readonly name: string;
  /** node-cron expression; none: the task runs on demand only. */
  readonly schedule?: string;
  /** What a cron tick does. `signal` aborts when the scheduler stops: stop at the next safe point. */
  run(now: Date, signal: AbortSignal): Promise<unknown>;
}

/** How an exclusive run went: it ran, or it was already running here, or another instance holds it. */
export type Exclusive<T> =
  { status: 'ran'; value: T } | { status: 'running-here'; run: Promise<Exclusive<unknown>> } | { status: 'held-elsewhere' };

/** The lock store and this instance's name in it, when several instances share one database. */
export interface TaskLocks {
  store: JobLockStore;
  owner: string;
  /** TASK_LEASE_MS unless given (tests). */
  leaseMs?: number;
}

/**
 * The one scheduler of the service: every periodic task on its node-cron schedule, each run exclusive.
 * @remarks A task never overlaps itself: a run asked for (tick or on demand) while one is going here is not
 * started. With a lock store (several instances on one database) this holds across processes too, and a
 * scheduled tick runs on the one instance that takes that minute's `job_locks` row.
 * @example const scheduler = new Scheduler(clock, logger, locks); scheduler.register(task); scheduler.start();
 */
export class Scheduler {
  private readonly tasks = new Map<string, PeriodicTask>();
  private readonly running = new Map<string, Promise<Exclusive<unknown>>>();
  private readonly scheduled = new Map<string, CronTask>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly locks?: TaskLocks,
  ) {}

  /** Adds a task; its schedule is checked now, so a bad expression stops the start. */
  register(task: PeriodicTask): void {
    if (this.tasks.has(task.name)) throw new Error(`task ${task.name} is registered twice`);
    if (task.schedule !== undefined && !cron.validate(task.schedule)) {
      throw new Error(`task ${task.name}: invalid cron schedule ${JSON.stringify(task.schedule)}`);
    }
    this.tasks.set(task.name, task);
  }

  /** Aborts when stop() is called: long runs stop at their next safe point. */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Schedules the named tasks (default: all) that have a schedule; a task already scheduled is left as it is. */
  start(names: readonly string[] = [...this.tasks.keys()]): void {
    const started: { name: string; schedule: string }[] = [];
    for (const name of names) {
      const task = this.tasks.get(name);
      if (task?.schedule === undefined || this.scheduled.has(name)) continue;
      // No node-cron noOverlap: it would warn on the console; tick() skips an overlapping tick and logs it with pino.
      this.scheduled.set(
        name,
        cron.schedule(task.schedule, () => this.tick(name), { name }),
      );
      started.push({ name, schedule: task.schedule });
    }
    if (started.length > 0) this.logger.info({ tasks: started }, 'tasks scheduled');
  }

  /** Unschedules every task, asks runs in progress to stop, and waits for them. */
  async stop(): Promise<void> {
    const scheduled = [...this.scheduled.values()];
    this.scheduled.clear();
    for (const task of scheduled) {
      await task.stop();
      await task.destroy();
    }
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /** One cron tick of `name`: runs it unless it is still running here or another instance took this minute. */
  async tick(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (!task) return;
    if (this.running.has(name)) {
      this.logger.warn({ task: name }, 'task still running, tick skipped');
      return;
    }
    const now = this.clock.now();
    const minute = now.toISOString().slice(0, 16);
    try {
      const outcome = await this.exclusive(name, minute, (at) => task.run(at, this.signal));
      if (outcome.status === 'held-elsewhere') this.logger.debug({ task: name, tick: minute }, 'tick taken by another instance');
    } catch (err) {
      this.logger.error({ err, task: name }, 'task failed');
    }
  }

  /**
   * Runs `body` as the one run of `name`, here and (with locks) across instances. `tick` is the scheduled minute
   * (`2026-11-27T03:17`), undefined on demand (then only the lease is checked).
   * @throws what `body` throws; the lease is released either way.
   */
  exclusive<T>(name: string, tick: string | undefined, body: (now: Date) => Promise<T>): Promise<Exclusive<T>> {
    const inProgress = this.running.get(name);
    if (inProgress) return Promise.resolve({ status: 'running-here', run: inProgress });
    // Registered before the first await, so a second call in the same turn sees this one.
    const run = this.locked(name, tick, body).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /**
   * `exclusive` for callers that must not run at all when the task is busy: the body's value, or the error `busy`
   * builds for where the run is going (this process or another instance).
   */
  async exclusively<T>(name: string, body: (now: Date) => Promise<T>, busy: (where: 'here' | 'elsewhere') => Error): Promise<T> {
    const outcome = await this.exclusive(name, undefined, body);
    if (outcome.status === 'ran') return outcome.value;
    throw busy(outcome.status === 'running-here' ? 'here' : 'elsewhere');
  }

  private async locked<T>(name: string, tick: string | undefined, body: (now: Date) => Promise<T>): Promise<Exclusive<T>> {
    const now = this.clock.now();
    if (!this.locks) return { status: 'ran', value: await body(now) };
    const { store, owner, leaseMs = TASK_LEASE_MS } = this.locks;
    if (!(await store.acquire(name, owner, tick, leaseMs, now))) return { status: 'held-elsewhere' };
    const renewal = setInterval(() => void this.renew(name, leaseMs), leaseMs / 3);
    renewal.unref();
    try {
      return { status: 'ran', value: await body(now) };
    } finally {
      clearInterval(renewal);
      await store.release(name, owner, this.clock.now());
    }
  }

  /**
   * Moves a held lease's end on, so a run longer than the lease (a backfill of a large marketplace) is not taken over
   * while it is alive. A renewal that fails (the database busy) is logged; the next one, a third of a lease later, tries again.
   */
  private async renew(name: string, leaseMs: number): Promise<void> {
    if (!this.locks) return;
    try {
      const held = await this.locks.store.renew(name, this.locks.owner, leaseMs, this.clock.now());
      if (!held) this.logger.warn({ task: name }, 'task lease lost: another instance may run it now');
    } catch (err) {
      this.logger.warn({ task: name, err: { code: (err as { code?: string }).code } }, 'task lease renewal failed, will retry');
    }
  }
}
