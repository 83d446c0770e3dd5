import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClock } from '../../../src/core/clock';
import type { JobLockStore } from '../../../src/jobs/job-lock-store';
import { Scheduler } from '../../../src/jobs/scheduler';

const logger = pino({ level: 'silent' });

/** Locks in memory with the store's rules: one tick once, one lease holder at a time. */
class MemoryLocks implements JobLockStore {
  readonly held = new Map<string, string>();
  readonly ticks = new Map<string, string>();
  async acquire(name: string, owner: string, tick: string | undefined): Promise<boolean> {
    if (this.held.has(name) || (tick !== undefined && (this.ticks.get(name) ?? '') >= tick)) return false;
    this.held.set(name, owner);
    if (tick !== undefined) this.ticks.set(name, tick);
    return true;
  }
  async renew(name: string, owner: string): Promise<boolean> {
    return this.held.get(name) === owner;
  }
  async release(name: string, owner: string): Promise<void> {
    if (this.held.get(name) === owner) this.held.delete(name);
  }
}

describe('scheduler: every periodic task, exclusive runs', () => {
  const clock = new FakeClock(new Date('2026-11-27T03:17:00Z'));

  it('refuses a task registered twice and a schedule node-cron does not read', () => {
    const scheduler = new Scheduler(clock, logger);
    scheduler.register({ name: 'a', schedule: '* * * * *', run: async () => undefined });
    assert.throws(() => scheduler.register({ name: 'a', run: async () => undefined }), /registered twice/);
    assert.throws(() => scheduler.register({ name: 'b', schedule: 'every minute', run: async () => undefined }), /invalid cron schedule/);
  });

  it('runs a task once at a time: a second exclusive run while one goes is told so, not started', async () => {
    const scheduler = new Scheduler(clock, logger);
    let release: () => void = () => {};
    const first = scheduler.exclusive('a', undefined, () => new Promise<string>((r) => (release = () => r('done'))));
    const second = await scheduler.exclusive('a', undefined, async () => 'again');
    assert.equal(second.status, 'running-here');
    release();
    assert.deepEqual(await first, { status: 'ran', value: 'done' });
    assert.deepEqual(await scheduler.exclusive('a', undefined, async () => 'again'), { status: 'ran', value: 'again' });
  });

  it('exclusively: runs the body, or throws what busy builds, saying whether the run is here or elsewhere', async () => {
    const locks = new MemoryLocks();
    const here = new Scheduler(clock, logger, { store: locks, owner: 'a' });
    const other = new Scheduler(clock, logger, { store: locks, owner: 'b' });
    const busy = (where: string) => new Error(`busy ${where}`);
    let release: () => void = () => {};
    const first = here.exclusively('t', () => new Promise<string>((r) => (release = () => r('done'))), busy);
    await assert.rejects(
      here.exclusively('t', async () => 'again', busy),
      /^Error: busy here$/,
    );
    await assert.rejects(
      other.exclusively('t', async () => 'again', busy),
      /^Error: busy elsewhere$/,
    );
    release();
    assert.equal(await first, 'done');
    assert.equal(await other.exclusively('t', async () => 'now', busy), 'now');
  });

  it('with locks, a tick runs on the instance that takes that minute, and the lease is released after', async () => {
    const locks = new MemoryLocks();
    const runs: string[] = [];
    const instance = (owner: string) => {
      const s = new Scheduler(clock, logger, { store: locks, owner });
      s.register({ name: 'retention', schedule: '17 3 * * *', run: async () => runs.push(owner) });
      return s;
    };
    const [a, b] = [instance('a'), instance('b')];
    await a.tick('retention');
    await b.tick('retention');
    assert.deepEqual(runs, ['a']);
    assert.equal(locks.held.size, 0, 'released');
    clock.advance(60_000);
    await b.tick('retention');
    assert.deepEqual(runs, ['a', 'b']);
  });

  it('a failing task is logged and its lease released; stop raises the signal and waits for runs', async () => {
    const locks = new MemoryLocks();
    const scheduler = new Scheduler(clock, logger, { store: locks, owner: 'a' });
    scheduler.register({ name: 'bad', schedule: '* * * * *', run: async () => Promise.reject(new Error('boom')) });
    await scheduler.tick('bad');
    assert.equal(locks.held.size, 0);
    let sawAbort = false;
    let started: () => void = () => {};
    const running = new Promise<void>((r) => (started = r));
    const long = scheduler.exclusive('slow', undefined, async () => {
      started();
      await new Promise<void>((r) => scheduler.signal.addEventListener('abort', () => r()));
      sawAbort = true;
    });
    await running;
    await scheduler.stop();
    assert.equal(sawAbort, true);
    assert.equal((await long).status, 'ran');
  });
});
