import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RecordWriter } from '../../src/records/record-store';
import { engineHarness, expectedRecords, type WidgetEvent } from '../helpers/worker-harness';

const eventArb = (i: number) =>
  fc
    .record({
      key: fc.constantFrom('k1', 'k2', 'k3'),
      action: fc.constantFrom('ADDED' as const, 'CHANGED' as const, 'REMOVED' as const),
      timestamp: fc.integer({ min: 1, max: 6 }), // a narrow range, so equal timestamps are common
      name: fc.constantFrom('a', 'b', 'c'),
      qty: fc.integer({ min: 0, max: 3 }),
    })
    .map((e) => ({ ...e, uuid: `e${String(i).padStart(3, '0')}-${e.action}` }));

type Step =
  | { kind: 'deliver'; count: number }
  | { kind: 'tick' }
  | { kind: 'drain' }
  | { kind: 'crash-after-claim' }
  | { kind: 'crash-in-transaction' }
  | { kind: 'crash-in-drain' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'tick' as const }),
  fc.constant({ kind: 'drain' as const }),
  fc.constant({ kind: 'crash-after-claim' as const }),
  fc.constant({ kind: 'crash-in-transaction' as const }),
  fc.constant({ kind: 'crash-in-drain' as const }),
);

/** A record store that dies after writing, inside the transaction: the whole batch must roll back. */
function crashingStore(real: RecordWriter): RecordWriter {
  return {
    load: (trx, refs) => real.load(trx, refs),
    write: async (trx, writes, now) => {
      await real.write(trx, writes, now);
      throw Object.assign(new Error('simulated crash mid-transaction'), { code: 'SIMULATED_CRASH' });
    },
  };
}

describe('sync engine (property): duplicates, any arrival order, crashes', function () {
  this.timeout(120_000);

  it('ends with the records of applying each distinct event once, in version order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 14 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => eventArb(i)))),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(stepArb, { maxLength: 30 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (events, duplicatePicks, steps, seed) => {
          const deliveries: WidgetEvent[] = [...events, ...duplicatePicks.map((p) => events[p % events.length] as WidgetEvent)];
          // A seeded shuffle: arrival order has nothing to do with timestamps.
          let s = seed;
          const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = Math.floor(rand() * (i + 1));
            [deliveries[i], deliveries[j]] = [deliveries[j] as WidgetEvent, deliveries[i] as WidgetEvent];
          }

          const h = await engineHarness();
          try {
            let next = 0;
            for (const step of steps) {
              if (step.kind === 'deliver') {
                await h.accept(deliveries.slice(next, next + step.count));
                next += step.count;
              } else if (step.kind === 'tick') {
                await h.newWorker().tick();
              } else if (step.kind === 'drain') {
                await h.newWorker().drain(); // pipelined: each apply transaction also claims a batch ahead
              } else if (step.kind === 'crash-in-drain') {
                await h.newWorker(crashingStore(h.records)).drain();
              } else if (step.kind === 'crash-after-claim') {
                await h.queue.claim(3, 60_000, h.clock.now()); // claimed, then the process died
              } else if (step.kind === 'crash-in-transaction') {
                await h.newWorker(crashingStore(h.records)).tick();
              }
            }
            await h.accept(deliveries.slice(next));
            // Restart: leases and backoffs run out, then a fresh worker drains everything.
            for (let round = 0; round < 200; round++) {
              h.clock.advance(120_000);
              const r = await h.newWorker().tick();
              if (r.claimed === 0) break;
            }

            const pending = await h.db('inbox_events').whereNotIn('status', ['done', 'stale']).count({ n: '*' });
            assert.equal(Number(pending[0]?.n), 0, 'every event ended done or stale');
            const rows = (await h.db('records').select('record_key', 'deleted', 'data')) as {
              record_key: string;
              deleted: number;
              data: string;
            }[];
            const actual = new Map(rows.map((r) => [r.record_key, { deleted: r.deleted === 1, data: r.data }]));
            assert.deepEqual(actual, expectedRecords(deliveries));

            const changes = (await h.db('changes').select('inbox_event_id')) as { inbox_event_id: number }[];
            assert.equal(new Set(changes.map((c) => c.inbox_event_id)).size, changes.length, 'no event appended two changes');
            assert.ok(changes.length <= new Set(deliveries.map((d) => d.uuid)).size);
          } finally {
            await h.close();
          }
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
  });
});
