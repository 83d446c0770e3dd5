import assert from 'node:assert/strict';
import { KnexChangeFeed } from '../../src/feed/knex-change-feed';
import type { RecordWrite } from '../../src/records/record-store';
import { forEachDatabase } from '../helpers/test-databases';
import { createRecordStore } from '../../src/records/create-record-stores';

function write(key: string, eventId: number): RecordWrite {
  return {
    ref: { source: 'shop', entity: 'widget', key },
    next: {
      data: JSON.stringify({ key }),
      rawContent: null,
      version: { timestamp: eventId, action: 'ADDED', uuid: `e${eventId}` },
      dataVersion: { timestamp: eventId, action: 'ADDED', uuid: `e${eventId}` },
      mappingVersion: 'v1',
      deleted: false,
    },
    change: { kind: 'created', inboxEventId: eventId, cause: 'event' },
  };
}

forEachDatabase('change feed with concurrent writers', (ctx) => {
  beforeEach(() => ctx.clean());

  it('never lets a reader see a later seq before an earlier one commits', async function () {
    // SQLite has a single writer and this store a single connection: writers (and readers) queue by design.
    if (ctx.engine === 'sqlite') this.skip();
    const records = createRecordStore(ctx.db);
    const feed = new KnexChangeFeed(ctx.db);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let firstWrote!: () => void;
    const wrote = new Promise<void>((r) => (firstWrote = r));

    const slow = ctx.db.transaction(async (trx) => {
      await records.write(trx, [write('slow', 1)], new Date());
      firstWrote();
      await gate; // a slow transaction: its change has a seq but is not committed yet
    });
    await wrote;
    let fastDone = false;
    const fast = ctx.db
      .transaction((trx) => records.write(trx, [write('fast', 2)], new Date()))
      .then(() => {
        fastDone = true;
      });

    await new Promise((r) => setTimeout(r, 300));
    const during = await feed.readAfter('0', { limit: 10 });
    assert.deepEqual(during.changes, [], 'nothing is visible while the first append is uncommitted');
    assert.equal(fastDone, false, 'the second append waits for the first to commit');

    release();
    await Promise.all([slow, fast]);
    const afterBoth = await feed.readAfter('0', { limit: 10 });
    assert.deepEqual(
      afterBoth.changes.map((c) => c.key),
      ['slow', 'fast'],
    );
    const [a, b] = afterBoth.changes;
    assert.ok((a?.seq ?? 0) < (b?.seq ?? 0));
  });
});
