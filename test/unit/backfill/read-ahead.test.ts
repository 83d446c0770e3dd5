import { strict as assert } from 'node:assert';
import { readAhead } from '../../../src/backfill/read-ahead';

/** A source that records when each item was asked for, and fails at `failAt` when given. */
function source(count: number, log: string[], failAt?: number): AsyncIterable<number> {
  return (async function* () {
    for (let i = 0; i < count; i++) {
      log.push(`ask ${i}`);
      await new Promise((r) => setImmediate(r));
      if (i === failAt) throw new Error(`failed at ${i}`);
      yield i;
    }
  })();
}

describe('readAhead (backfill pages asked for while the ones before are committed)', () => {
  it('gives every item in order, with up to `depth` asked for ahead of the consumer', async () => {
    const log: string[] = [];
    const got: number[] = [];
    for await (const i of readAhead(source(6, log), 2)) {
      await new Promise((r) => setTimeout(r, 5)); // the consumer's commit
      log.push(`got ${i}`);
      got.push(i);
    }
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
    // While item 0 is being committed, items 1 and 2 were already asked for, never item 3.
    assert.ok(log.indexOf('ask 2') < log.indexOf('got 0'));
    assert.ok(log.indexOf('ask 3') > log.indexOf('got 0'));
  });

  it('throws a failure after the items before it, where it happened', async () => {
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const i of readAhead(source(6, [], 3), 2)) got.push(i);
      })(),
      /failed at 3/,
    );
    assert.deepEqual(got, [0, 1, 2]);
  });

  it('a consumer that stops early leaves no unhandled failure behind, and asks for nothing more', async () => {
    const log: string[] = [];
    for await (const i of readAhead(source(10, log, 2), 2)) if (i === 0) break;
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!log.includes('ask 3'), log.join(', '));
  });
});
