import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClock } from '../../src/core/clock';
import { ConnectorRunner } from '../../src/connectors/connector-runner';
import { JobSchedule, type Job } from '../../src/jobs/job-schedule';
import { KnexJobLockStore } from '../../src/jobs/knex-job-lock-store';
import { Scheduler } from '../../src/jobs/scheduler';
import { systemClock } from '../../src/core/clock';
import { forEachDatabase } from '../helpers/test-databases';

forEachDatabase('periodic jobs across instances', (ctx) => {
  const clock = new FakeClock(new Date('2026-11-27T03:17:00Z'));
  const logger = pino({ level: 'silent' });
  let runs: string[];
  let release: (() => void) | undefined;

  function job(owner: string, slow = false): Job {
    return {
      name: 'retention',
      schedule: '* * * * *',
      run: async () => {
        runs.push(owner);
        if (slow) await new Promise<void>((r) => (release = r));
        return { runs: 1 };
      },
    };
  }
  const instance = (owner: string, slow = false) =>
    new JobSchedule([job(owner, slow)], new Scheduler(clock, logger, { store: new KnexJobLockStore(ctx.db), owner }));

  beforeEach(async () => {
    await ctx.clean();
    runs = [];
  });

  it('runs each tick on one instance only', async () => {
    const a = instance('a');
    const b = instance('b');
    const c = instance('c');
    await Promise.all([a.runScheduled('retention'), b.runScheduled('retention'), c.runScheduled('retention')]);
    assert.equal(runs.length, 1);
    await Promise.all([a.runScheduled('retention'), b.runScheduled('retention')]);
    assert.equal(runs.length, 1, 'the same minute again: already run');
    clock.advance(60_000);
    await Promise.all([b.runScheduled('retention'), c.runScheduled('retention'), a.runScheduled('retention')]);
    assert.equal(runs.length, 2, 'the next minute runs once more');
  });

  it('does not start a run on another instance while one is still going', async () => {
    const slow = instance('slow', true);
    const other = instance('other');
    const first = slow.runScheduled('retention');
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 5));
    clock.advance(60_000);
    await other.runScheduled('retention');
    assert.deepEqual(runs, ['slow'], 'the next tick found the lease held');
    release?.();
    await first;
    clock.advance(60_000);
    await other.runScheduled('retention');
    assert.deepEqual(runs, ['slow', 'other']);
  });

  it('an on-demand run (jobs run) takes the same lock: refused while another instance runs the job', async () => {
    const slow = instance('slow', true);
    const other = instance('other');
    const first = slow.runScheduled('retention');
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(other.run('retention'), { code: 'JOB_RUNNING', status: 409 });
    release?.();
    await first;
    assert.deepEqual(await other.run('retention'), { runs: 1 });
    assert.deepEqual(runs, ['slow', 'other']);
  });

  it('a run longer than its lease renews it: another instance cannot take the job over while the run is alive', async () => {
    const leaseMs = 300;
    const locks = (owner: string) => ({ store: new KnexJobLockStore(ctx.db), owner, leaseMs });
    const slow = new JobSchedule([job('slow', true)], new Scheduler(clock, logger, locks('slow')));
    const other = new JobSchedule([job('other')], new Scheduler(clock, logger, locks('other')));
    const first = slow.run('retention');
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 5));
    // Past the lease taken at the start: only a renewal (every leaseMs / 3 of real time) keeps the job held.
    clock.advance(10 * leaseMs);
    const lockedUntil = async () => new Date((await ctx.db('job_locks').where({ name: 'retention' }).first())?.locked_until).getTime();
    const deadline = Date.now() + 5000;
    while ((await lockedUntil()) <= clock.now().getTime() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(other.run('retention'), { code: 'JOB_RUNNING' });
    release?.();
    await first;
    assert.deepEqual(await other.run('retention'), { runs: 1 });
    assert.deepEqual(runs, ['slow', 'other']);
  });
});

forEachDatabase('connectors across instances', (ctx) => {
  beforeEach(() => ctx.clean());

  it('runs a scheduled tick of a connector on one instance only, and skips while another instance runs it', async () => {
    const logger = pino({ level: 'silent' });
    let runs = 0;
    let release: (() => void) | undefined;
    const connector = {
      name: 'crm',
      type: 'http' as const,
      run: async () => {
        runs += 1;
        await new Promise<void>((r) => (release = r));
        return { delivered: 1, checkpoint: 1 };
      },
    };
    const runner = (owner: string) =>
      new ConnectorRunner(
        [{ connector, schedule: '* * * * *' }],
        logger,
        new Scheduler(systemClock, logger, { store: new KnexJobLockStore(ctx.db), owner }),
      );
    const [a, b] = [runner('a'), runner('b')];
    const first = a.run('crm', undefined, '2026-11-27T03:17');
    while (runs === 0) await new Promise((r) => setTimeout(r, 5));
    const same = await b.run('crm', undefined, '2026-11-27T03:17');
    const next = await b.run('crm', undefined, '2026-11-27T03:18');
    const manual = await b.run('crm');
    assert.deepEqual([same.status, next.status, manual.status], ['skipped', 'skipped', 'skipped']);
    release?.();
    assert.equal((await first).status, 'ok');
    assert.equal(runs, 1);
  });
});
