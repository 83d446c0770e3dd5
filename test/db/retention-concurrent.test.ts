import assert from 'node:assert/strict';
import { KnexChangeFeed } from '../../src/feed/knex-change-feed';
import { purgeChangesThrough } from '../../src/jobs/chunked-purges';
import { KnexRetentionStore } from '../../src/jobs/knex-retention-store';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, type WidgetEvent } from '../helpers/worker-harness';

const DAY_MS = 86_400_000;

/**
 * Purging old changes while workers append new ones and a reader follows the feed: the reader past the horizon
 * sees every change in order (docs/adr/0007, 0016), and one behind it is told, never skipped.
 */
forEachDatabase('purging changes under concurrent writers and readers', (ctx) => {
  it('keeps the feed gap-free past the horizon and refuses reads behind it', async () => {
    await ctx.clean();
    const h = await engineHarness({ batchSize: 5 }, ctx.db);
    try {
      const widget = (i: number): WidgetEvent => ({
        uuid: `e-${i}`,
        key: `k-${i}`,
        action: 'ADDED',
        timestamp: 1000 + i,
        name: `n${i}`,
        qty: i,
      });
      await h.accept(Array.from({ length: 60 }, (_, i) => widget(i)));
      const worker = h.newWorker();
      while ((await worker.tick()).claimed > 0);
      h.clock.advance(40 * DAY_MS);
      await h.accept(Array.from({ length: 60 }, (_, i) => widget(100 + i)));

      const store = new KnexRetentionStore(ctx.db);
      const feed = new KnexChangeFeed(ctx.db);
      const through = await store.lastSeqBefore(new Date(h.clock.now().getTime() - 30 * DAY_MS));
      assert.ok(through > 0);
      // Two workers append, retention deletes in small chunks, a reader follows from the horizon: all at once.
      const workers = [h.newWorker(), h.newWorker()].map(async (w) => {
        while ((await w.tick()).claimed > 0);
      });
      const purge = purgeChangesThrough(ctx.db, store, through, 7, h.clock.now());
      const seen: number[] = [];
      const reader = (async () => {
        let cursor = String(through);
        for (let idle = 0; idle < 3;) {
          const page = await feed.readAfter(cursor, { limit: 4 });
          seen.push(...page.changes.map((c) => c.seq));
          cursor = page.nextCursor;
          idle = page.changes.length === 0 ? idle + 1 : 0;
          await new Promise((r) => setImmediate(r));
        }
      })();
      await Promise.all([...workers, purge]);
      await reader;
      // The reader may have stopped early on idle pages; it finishes what is left now that everything committed.
      for (;;) {
        const page = await feed.readAfter(String(seen[seen.length - 1] ?? through), { limit: 100 });
        if (page.changes.length === 0) break;
        seen.push(...page.changes.map((c) => c.seq));
      }
      assert.equal(await purge, 60, 'every change of the first batch');
      const remaining = ((await ctx.db('changes').select('seq').orderBy('seq')) as { seq: number | string }[]).map((r) => Number(r.seq));
      assert.ok(
        remaining.every((s) => s > through),
        'everything through the horizon is gone',
      );
      assert.deepEqual(seen, remaining, 'the reader saw every change after the horizon, in order, once');
      assert.equal(remaining.length, 60);
      assert.equal(await feed.head(), remaining[remaining.length - 1]);
      await assert.rejects(feed.readAfter(String(through - 1), { limit: 1 }), { code: 'FEED_CURSOR_EXPIRED' });
    } finally {
      await h.close();
    }
  });
});
