import assert from 'node:assert/strict';
import type { Request } from 'express';
import { FailedAuthLimiter } from '../../../src/http/failed-auth-limiter';
import { TrackedKeyBudget } from '../../../src/http/tracked-key-budget';

/** What the guard middleware lets through: undefined, or the AppError code it refuses with. */
function guarded(limiter: FailedAuthLimiter, ip: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    limiter.guard('webhook')({ ip } as Request, {} as never, (err?: unknown) => resolve((err as { code?: string } | undefined)?.code));
  });
}

// Issue 11 item 6: the limiter's memory is bounded, whatever the number of senders failing at once.
describe('failed-auth limiter: a bounded number of tracked senders', () => {
  it('past maxTrackedKeys, newcomers share one bucket per family; senders already counted keep their own', async () => {
    const limiter = new FailedAuthLimiter({ windowMs: 60_000, max: 3, maxTrackedKeys: 100 });
    for (let i = 0; i < 100; i++) await limiter.recordFailure('webhook', `10.0.0.${i}`);
    // The budget is spent: 30 more senders fail once each, all in the shared bucket, which is then over its limit.
    for (let i = 0; i < 30; i++) await limiter.recordFailure('webhook', `10.0.1.${i}`);
    assert.equal(await guarded(limiter, '10.0.2.1'), 'AUTH_RATE_LIMITED', 'a newcomer meets the full shared bucket');
    assert.equal(await guarded(limiter, '10.0.0.7'), undefined, 'a sender counted before keeps its own count (1 of 3)');
    await limiter.recordFailure('webhook', '10.0.0.7');
    await limiter.recordFailure('webhook', '10.0.0.7');
    assert.equal(await guarded(limiter, '10.0.0.7'), 'AUTH_RATE_LIMITED', 'and its own limit');
    assert.equal(await guarded(limiter, '10.0.0.8'), undefined);
  });

  it('counts keys of the last two windows only', () => {
    let now = 0;
    const budget = new TrackedKeyBudget(1000, 3, () => now);
    budget.added();
    budget.added();
    now = 1500;
    budget.added();
    assert.equal(budget.full(), true, 'two from the previous window and one from this one');
    now = 2600;
    assert.equal(budget.full(), false, 'the first window has passed');
    now = 5000;
    budget.added();
    assert.equal(budget.full(), false);
  });
});
