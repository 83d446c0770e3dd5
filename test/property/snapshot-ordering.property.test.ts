import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snapshotTimestamp } from '../../src/backfill/snapshot-delivery';
import { engineHarness, expectedRecords, type WidgetEvent } from '../helpers/worker-harness';

/**
 * One resource's true history at AppDirect, the webhooks it sent and the snapshots a backfill or reconcile read of
 * it, each dated as snapshot-delivery.ts dates them (ADR 0027): from the answer's `Date` header (1 s resolution,
 * stamped when the answer left), less the round trip measured here, or the item's `lastModified`.
 */
interface Scenario {
  webhooks: WidgetEvent[];
  snapshots: WidgetEvent[];
  /** The state after the last change: what the store must end with when every webhook arrived. */
  final: { deleted: boolean; name: string; qty: number };
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    // Gaps in ms between changes: small ones put several changes inside one second of `Date`.
    gaps: fc.array(fc.integer({ min: 1, max: 2500 }), { minLength: 1, maxLength: 6 }),
    states: fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c'), qty: fc.integer({ min: 0, max: 3 }) }), {
      minLength: 6,
      maxLength: 6,
    }),
    removedAtEnd: fc.boolean(),
    reads: fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 16_000 }), // when the marketplace read the item (its clock, ms after the start)
        sentBefore: fc.integer({ min: 0, max: 800 }), // the request left this host that long before the read
        answeredAfter: fc.integer({ min: 0, max: 800 }), // the answer (and its Date header) left that long after it
        withLastModified: fc.boolean(),
        localSkew: fc.integer({ min: -600_000, max: 600_000 }), // this host's clock against AppDirect's
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ gaps, states, removedAtEnd, reads }) => {
    const start = 1_800_000_000_000;
    const times: number[] = [];
    for (const g of gaps) times.push((times[times.length - 1] ?? start) + g);
    const webhooks: WidgetEvent[] = times.map((t, i) => {
      const state = states[i] as { name: string; qty: number };
      const action = i === 0 ? 'ADDED' : removedAtEnd && i === times.length - 1 ? 'REMOVED' : 'CHANGED';
      return { uuid: `w${i}`, key: 'k1', action, timestamp: t, ...state };
    });
    const snapshots: WidgetEvent[] = [];
    reads.forEach((r, j) => {
      const readAt = start + r.at;
      const current = [...webhooks].reverse().find((w) => w.timestamp <= readAt);
      // Not created yet, or removed: the listing does not hold it.
      if (!current || current.action === 'REMOVED') return;
      const date = readAt + r.answeredAfter;
      const roundTripMs = r.sentBefore + r.answeredAfter;
      const item = r.withLastModified ? { lastModified: current.timestamp } : {};
      const timestamp = snapshotTimestamp({ serverDate: date, roundTripMs }, item, date + r.localSkew);
      snapshots.push({ uuid: `snapshot:${j}`, key: 'k1', action: 'ADDED', timestamp, name: current.name, qty: current.qty });
    });
    const last = webhooks[webhooks.length - 1] as WidgetEvent;
    const lastData = [...webhooks].reverse().find((w) => w.action !== 'REMOVED') as WidgetEvent;
    return { webhooks, snapshots, final: { deleted: last.action === 'REMOVED', name: lastData.name, qty: lastData.qty } };
  });

describe('snapshot ordering (property): webhooks and REST snapshots in any interleaving', function () {
  this.timeout(120_000);

  it('converge to applying them in version order, and a snapshot never overwrites a newer webhook', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (s, loseLastWebhook, seed) => {
        // Losing the last webhook is what a backfill repairs; only a snapshot read after it can, and must.
        const webhooks = loseLastWebhook && s.webhooks.length > 1 ? s.webhooks.slice(0, -1) : s.webhooks;
        const deliveries = [...webhooks, ...s.snapshots];
        let r = seed;
        const rand = () => (r = (r * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        for (let i = deliveries.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [deliveries[i], deliveries[j]] = [deliveries[j] as WidgetEvent, deliveries[i] as WidgetEvent];
        }
        const h = await engineHarness();
        try {
          // One at a time, in arrival order, each applied before the next arrives.
          for (const d of deliveries) {
            await h.accept([d]);
            await h.newWorker().tick();
          }
          const row = (await h.db('records').where({ record_key: 'k1' }).first()) as { deleted: number; data: string } | undefined;
          const actual = row && { deleted: row.deleted === 1, data: row.data };
          assert.deepEqual(actual, expectedRecords(deliveries).get('k1'), 'the state of applying every delivery in version order');

          const lost = s.webhooks.length > webhooks.length ? s.webhooks[s.webhooks.length - 1] : undefined;
          // A lost webhook is repaired by a snapshot of the final state dated after every webhook that did arrive.
          const newestArrived = Math.max(...webhooks.map((w) => w.timestamp));
          const repaired =
            lost === undefined ||
            (lost.action !== 'REMOVED' &&
              s.snapshots.some((p) => p.name === lost.name && p.qty === lost.qty && p.timestamp > newestArrived));
          if (repaired) {
            const want = { deleted: s.final.deleted, data: JSON.stringify({ name: s.final.name, qty: s.final.qty }) };
            assert.deepEqual(actual, want, 'the marketplace state after the last change');
          }
        } finally {
          await h.close();
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
  });
});
