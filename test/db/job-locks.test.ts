import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClock } from '../../src/core/clock';
import { JobSchedule, type Job } from '../../src/jobs/job-schedule';
import { KnexJobLockStore } from '../../src/jobs/knex-job-lock-store';
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
      unit: 'runs',
      run: async () => {
        runs.push(owner);
        if (slow) await new Promise<void>((r) => (release = r));
        return 1;
      },
    };
  }
  const instance = (owner: string, slow = false) => new JobSchedule([job(owner, slow)], clock, logger, { store: new KnexJobLockStore(ctx.db), owner });

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
});
