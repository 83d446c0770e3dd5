import assert from 'node:assert/strict';
import { engineHarness, expectedRecords, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { forEachDatabase } from '../helpers/test-databases';

forEachDatabase('several workers on one database', (ctx) => {
  let h: EngineHarness;
  beforeEach(async () => {
    await ctx.clean();
    h = await engineHarness({ batchSize: 15 }, ctx.db);
  });
  afterEach(() => h.close());

  it('apply events of the same records in version order, each event once', async function () {
    this.timeout(60_000);
    const actions = ['ADDED', 'CHANGED', 'CHANGED', 'REMOVED'] as const;
    const events: WidgetEvent[] = Array.from({ length: 300 }, (_, i) => ({
      uuid: `e${i}`,
      key: `k${i % 4}`,
      action: actions[(i * 7) % 4] as WidgetEvent['action'],
      timestamp: 1000 + ((i * 37) % 150), // shuffled versions, with ties
      name: `n${i}`,
      qty: i % 9,
    }));
    await h.accept(events);
    const workers = Array.from({ length: 4 }, () => h.newWorker());
    await Promise.all(
      workers.map(async (w) => {
        while ((await w.tick()).claimed > 0);
      }),
    );
    const rows = (await ctx.db('records').select('record_key', 'deleted', 'data')) as {
      record_key: string;
      deleted: number | boolean;
      data: string;
    }[];
    const actual = new Map(rows.map((r) => [r.record_key, { deleted: r.deleted === true || r.deleted === 1, data: r.data }]));
    assert.deepEqual(actual, expectedRecords(events));
    const statuses = (await ctx.db('inbox_events').select('status').count({ n: '*' }).groupBy('status')) as {
      status: string;
      n: number | string;
    }[];
    assert.ok(
      statuses.every((s) => s.status === 'done' || s.status === 'stale'),
      JSON.stringify(statuses),
    );
    const ids = ((await ctx.db('changes').select('inbox_event_id')) as { inbox_event_id: number }[]).map((c) => c.inbox_event_id);
    assert.equal(new Set(ids).size, ids.length);
  });
});
