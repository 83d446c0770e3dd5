import assert from 'node:assert/strict';
import { forEachDatabase } from '../helpers/test-databases';
import { newDelivery } from './db-fixtures';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';
import type { InboxStore } from '../../src/inbox/inbox-store';

forEachDatabase('KnexInboxStore', (ctx) => {
  let store: InboxStore;
  beforeEach(async () => {
    await ctx.clean();
    store = createInboxStore(ctx.db);
  });

  it('accepts a new delivery and reads it back with its body, numbers and dates intact', async () => {
    const d = newDelivery({ body: '{"uuid":"a","bytes":"\u00e9\u0000\u00ff"}' });
    const [outcome] = await store.acceptBatch([d]);
    assert.equal(outcome?.status, 'accepted');
    assert.equal(typeof outcome?.id, 'number');
    const stored = await store.getEvent(d.source, d.envelope.uuid);
    assert.ok(stored);
    assert.equal(stored.id, outcome?.id);
    assert.ok(Buffer.isBuffer(stored.body));
    assert.deepEqual(stored.body, d.body);
    assert.equal(stored.eventTimestamp, 1_795_000_000_000);
    assert.equal(stored.status, 'accepted');
    assert.ok(stored.receivedAt instanceof Date);
    assert.equal(stored.receivedAt.toISOString(), d.receivedAt.toISOString());
  });

  it('answers duplicate for the same body again and conflict for another body, keeping one conflict row per body', async () => {
    const first = newDelivery({ uuid: 'u-1', body: '{"v":1}' });
    const [accepted] = await store.acceptBatch([first]);
    const again = await store.acceptBatch([newDelivery({ uuid: 'u-1', body: '{"v":1}' })]);
    assert.deepEqual(again, [{ status: 'duplicate', id: accepted?.id }]);
    const other = await store.acceptBatch([newDelivery({ uuid: 'u-1', body: '{"v":2}' }), newDelivery({ uuid: 'u-1', body: '{"v":2}' })]);
    assert.deepEqual(other, [
      { status: 'conflict', id: accepted?.id },
      { status: 'conflict', id: accepted?.id },
    ]);
    assert.equal(await store.countEvents(), 1);
    assert.equal(await store.countConflicts(), 1);
  });

  it("acceptNew adds, in the caller's transaction, only the uuids it lacks, each with its first body, never a conflict", async () => {
    await store.acceptBatch([newDelivery({ uuid: 's-7', body: 'held' })]);
    // 123 deliveries: more than two multi-row statements on SQLite; s-7 is held already, s-3 is repeated in the batch.
    const batch = Array.from({ length: 120 }, (_, i) => newDelivery({ uuid: `s-${i}`, body: `body ${i}` }));
    batch.push(newDelivery({ uuid: 's-3', body: 'listed again, other time' }), newDelivery({ uuid: 'other', body: 'x', source: 'b' }));
    batch.push(newDelivery({ uuid: 's-119', body: 'again' }));
    assert.equal(await ctx.db.transaction((trx) => store.acceptNew(trx, batch)), 120);
    assert.equal(await store.countEvents(), 121);
    assert.equal(await store.countConflicts(), 0);
    for (const i of [0, 3, 49, 50, 100, 119]) assert.equal((await store.getEvent('appdirect', `s-${i}`))?.body.toString(), `body ${i}`);
    assert.equal((await store.getEvent('appdirect', 's-7'))?.body.toString(), 'held');
    assert.equal((await store.getEvent('b', 'other'))?.body.toString(), 'x');
    assert.equal(await ctx.db.transaction((trx) => store.acceptNew(trx, batch)), 0);
    assert.equal(await store.countEvents(), 121);
  });

  it('stores 20 deliveries of one uuid in one batch as one row: the first accepted, the rest duplicates', async () => {
    const batch = Array.from({ length: 20 }, () => newDelivery({ uuid: 'same', body: '{"same":true}' }));
    const outcomes = await store.acceptBatch(batch);
    const id = outcomes[0]?.id;
    assert.deepEqual(outcomes[0], { status: 'accepted', id });
    for (const o of outcomes.slice(1)) assert.deepEqual(o, { status: 'duplicate', id });
    assert.equal(await store.countEvents(), 1);
    assert.equal(await store.countConflicts(), 0);
  });

  it('sorts a mixed batch into new, repeated, duplicate and conflicting deliveries, in order', async () => {
    const [old] = await store.acceptBatch([newDelivery({ uuid: 'old', body: 'o' })]);
    const outcomes = await store.acceptBatch([
      newDelivery({ uuid: 'n1', body: 'a' }),
      newDelivery({ uuid: 'old', body: 'o' }),
      newDelivery({ uuid: 'n1', body: 'b' }),
      newDelivery({ uuid: 'old', body: 'changed' }),
      newDelivery({ uuid: 'n2', body: 'c' }),
      newDelivery({ uuid: 'n1', body: 'a' }),
      newDelivery({ uuid: 'n1', source: 'other', body: 'a' }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['accepted', 'duplicate', 'conflict', 'conflict', 'accepted', 'duplicate', 'accepted'],
    );
    assert.equal(outcomes[1]?.id, old?.id);
    assert.equal(outcomes[3]?.id, old?.id);
    assert.equal(outcomes[2]?.id, outcomes[0]?.id);
    assert.equal(outcomes[5]?.id, outcomes[0]?.id);
    assert.notEqual(outcomes[6]?.id, outcomes[0]?.id, 'a uuid is unique per source only');
    assert.equal(await store.countEvents(), 4);
    assert.equal(await store.countConflicts(), 2);
  });

  it('commits large batches (more rows than one INSERT takes)', async () => {
    const batch = Array.from({ length: 1200 }, (_, i) => newDelivery({ uuid: `bulk-${i}` }));
    const outcomes = await store.acceptBatch(batch);
    assert.ok(outcomes.every((o) => o.status === 'accepted'));
    assert.equal(new Set(outcomes.map((o) => o.id)).size, 1200);
    assert.equal(await store.countEvents(), 1200);
  });

  it('keeps only the newest rejections, newest first, with their excerpt bytes', async () => {
    for (let i = 0; i < 15; i++) {
      await store.recordRejection(
        {
          source: 'appdirect',
          principal: 'token:test',
          statusCode: 400,
          errorCode: 'RECEIVER_BAD_ENVELOPE',
          message: `bad ${i}`,
          requestId: `req-${i}`,
          remoteAddress: i % 2 ? '127.0.0.1' : undefined,
          bodyBytes: 10_000,
          bodyExcerpt: Buffer.alloc(10_000, i),
          receivedAt: new Date(Date.UTC(2026, 10, 27, 10, 0, i)),
        },
        10,
      );
    }
    const kept = await store.listRejections(100);
    assert.deepEqual(
      kept.map((r) => r.message),
      Array.from({ length: 10 }, (_, i) => `bad ${14 - i}`),
    );
    const newest = kept[0];
    assert.ok(newest);
    assert.equal(newest.bodyExcerpt?.length, 4096);
    assert.equal(newest.bodyExcerpt?.[0], 14);
    assert.equal(newest.remoteAddress, undefined);
    assert.equal(kept[1]?.remoteAddress, '127.0.0.1');
    assert.equal(newest.receivedAt.toISOString(), '2026-11-27T10:00:14.000Z');
    assert.equal(typeof newest.id, 'number');
  });
});
