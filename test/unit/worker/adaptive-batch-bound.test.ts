import assert from 'node:assert/strict';
import { AdaptiveBatchBound, INTAKE_RECENT_MS, MIN_BOUNDED_BATCH } from '../../../src/worker/adaptive-batch-bound';

/** A bound on a clock the test moves. */
function bound(max: number, budgetMs: number) {
  let t = 1000;
  const b = new AdaptiveBatchBound(max, budgetMs, () => t);
  return { b, advance: (ms: number) => (t += ms) };
}

/** A transaction of n events on a store where a commit costs `fixed` ms and an event `perEvent` ms. */
const cost = (n: number, fixed: number, perEvent: number) => fixed + n * perEvent;

describe('AdaptiveBatchBound', () => {
  it('claims the full batch while the intake is quiet, however slow the transactions', () => {
    const { b } = bound(500, 10);
    b.observe(500, 100);
    assert.equal(b.size(), 500);
  });

  it('claims the full batch until it has measured a transaction', () => {
    const { b } = bound(500, 10);
    b.intakeCommitted();
    assert.equal(b.size(), 500);
  });

  it('bounds the batch while the intake is busy, and lets go once it has been quiet for a while', () => {
    const { b, advance } = bound(500, 10);
    b.observe(500, 50); // 0.1 ms per event
    b.intakeCommitted();
    assert.equal(b.size(), 100);
    advance(INTAKE_RECENT_MS - 1);
    assert.equal(b.size(), 100);
    advance(2);
    assert.equal(b.size(), 500);
  });

  it('settles where a transaction lasts the budget, commit included', () => {
    const { b } = bound(500, 10);
    b.intakeCommitted();
    let n = 500;
    for (let i = 0; i < 40; i++) {
      b.observe(n, cost(n, 3, 0.07));
      b.intakeCommitted();
      n = b.size();
    }
    // c + v·n = budget: (10 - 3) / 0.07 = 100 events.
    assert.ok(Math.abs(n - 100) <= 2, `settled at ${n}`);
    assert.ok(cost(n, 3, 0.07) <= 10.2);
  });

  it('never claims fewer than the minimum, even when one commit alone exceeds the budget, nor more than the maximum', () => {
    const { b } = bound(500, 10);
    b.intakeCommitted();
    let n = 500;
    for (let i = 0; i < 20; i++) {
      b.observe(n, cost(n, 30, 0.07));
      n = b.size();
    }
    assert.equal(n, MIN_BOUNDED_BATCH);
    const small = bound(10, 10);
    small.b.intakeCommitted();
    small.b.observe(10, 100);
    assert.equal(small.b.size(), 10);
    b.observe(500, 0.5);
    for (let i = 0; i < 20; i++) b.observe(500, 0.5);
    assert.equal(b.size(), 500);
  });

  it('ignores batches too small to say what an event costs', () => {
    const { b } = bound(500, 10);
    b.intakeCommitted();
    b.observe(2, 40);
    assert.equal(b.size(), 500);
  });

  it('is off with a budget of 0', () => {
    const { b } = bound(500, 0);
    b.intakeCommitted();
    b.observe(500, 500);
    assert.equal(b.size(), 500);
  });
});
