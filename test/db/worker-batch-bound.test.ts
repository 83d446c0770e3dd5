import assert from 'node:assert/strict';
import { MIN_BOUNDED_BATCH } from '../../src/worker/adaptive-batch-bound';
import { engineHarness, expectedRecords, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { forEachDatabase } from '../helpers/test-databases';

const events = (from: number, n: number): WidgetEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    uuid: `e${from + i}`,
    key: `k${(from + i) % 37}`,
    action: (from + i) % 11 === 10 ? 'REMOVED' : 'CHANGED',
    timestamp: 1000 + from + ((i * 13) % n), // late arrivals within each load
    name: `n${from + i}`,
    qty: i % 5,
  }));

/** The size of each batch a drain applied, from its running totals. */
async function batchSizes(drain: (onBatch: (t: { claimed: number }) => void) => Promise<unknown>): Promise<number[]> {
  const sizes: number[] = [];
  let before = 0;
  await drain((t) => {
    sizes.push(t.claimed - before);
    before = t.claimed;
  });
  return sizes;
}

forEachDatabase('worker batches while the intake is busy (ADR 0032)', (ctx) => {
  let h: EngineHarness;
  beforeEach(async () => {
    await ctx.clean();
    // A 1 ms budget: no store applies 200 events that fast, so a bounded batch is always smaller than the maximum.
    h = await engineHarness({ batchSize: 200, busyTransactionMs: 1 }, ctx.db);
  });
  afterEach(() => h.close());

  it('claims full batches while the intake is quiet, smaller ones once it commits, and ends in the same records', async function () {
    this.timeout(60_000);
    const worker = h.newWorker();
    const first = events(0, 600);
    await h.accept(first);
    assert.deepEqual(await batchSizes((cb) => worker.drain(cb)), [200, 200, 200]);

    const second = events(600, 600);
    await h.accept(second);
    worker.notify(); // what the receiver does after each intake commit
    const sizes = await batchSizes((cb) => worker.drain(cb));
    // The two batches claimed at the start of the drain are bounded (later ones may be full once 250 ms have passed).
    for (const size of sizes.slice(0, 2)) assert.ok(size >= MIN_BOUNDED_BATCH && size < 200, `batch of ${size}`);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      600,
    );

    const rows = (await ctx.db('records').select('record_key', 'deleted', 'data')) as {
      record_key: string;
      deleted: number | boolean;
      data: string;
    }[];
    const actual = new Map(rows.map((r) => [r.record_key, { deleted: r.deleted === true || r.deleted === 1, data: r.data }]));
    assert.deepEqual(actual, expectedRecords([...first, ...second]));
  });

  it("a backfill's wake-up (intake nobody waits on) leaves the batches full", async function () {
    this.timeout(60_000);
    const worker = h.newWorker();
    await h.accept(events(0, 600));
    await batchSizes((cb) => worker.drain(cb)); // the cost per event is learned, as in the case above
    await h.accept(events(600, 600));
    worker.wakeUp(); // what a backfill does after each inbox commit
    assert.deepEqual(await batchSizes((cb) => worker.drain(cb)), [200, 200, 200]);
  });
});
