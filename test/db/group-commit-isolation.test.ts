import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pino from 'pino';
import { systemClock } from '../../src/core/clock';
import { isStoreUnavailable } from '../../src/db/db-errors';
import { GroupCommit } from '../../src/inbox/group-commit';
import type { AcceptOutcome, NewDelivery } from '../../src/inbox/inbox-store';
import type { Envelope } from '../../src/domain/envelope';
import { ReceiverService } from '../../src/receiver/receiver-service';
import { forEachDatabase } from '../helpers/test-databases';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';
import type { InboxStore } from '../../src/inbox/inbox-store';

let n = 0;
function newDelivery(patch: Partial<Envelope> = {}): NewDelivery {
  const envelope: Envelope = {
    uuid: `gc-${n++}`,
    timestamp: 1_795_000_000_000,
    resourceType: 'ORDER',
    resourceUuid: 'o-1',
    resourceAction: 'ADDED',
    ...patch,
  };
  const body = Buffer.from(JSON.stringify({ uuid: envelope.uuid }));
  return {
    source: 'shop',
    envelope,
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    principal: 'token:t',
    receivedAt: new Date(),
  };
}

/**
 * Issue 11 item 4: one delivery whose data the database refuses fails alone; the rest of its batch commits.
 * The bad items bypass the envelope check on purpose: this is the net under it.
 */
forEachDatabase('group commit isolating a bad item', (ctx) => {
  beforeEach(() => ctx.clean());

  function groupCommit(store: InboxStore, commits: number[]): GroupCommit<NewDelivery, AcceptOutcome> {
    return new GroupCommit(
      (batch) => {
        commits.push(batch.length);
        return store.acceptBatch(batch);
      },
      500,
      (err) => !isStoreUnavailable(err),
    );
  }

  it('commits every good delivery of a batch and fails only the one the database refuses', async () => {
    const store = createInboxStore(ctx.db);
    const commits: number[] = [];
    const gc = groupCommit(store, commits);
    const good = Array.from({ length: 20 }, () => newDelivery());
    // NOT NULL fails on both engines; on PostgreSQL NUL in text (22021) is the case that was seen.
    const bad = [newDelivery({ timestamp: null as unknown as number })];
    if (ctx.engine === 'pg') bad.push(newDelivery({ uuid: 'nul-\u0000' }));
    const all = [...good.slice(0, 7), bad[0]!, ...good.slice(7, 15), ...bad.slice(1), ...good.slice(15)];
    const results = await Promise.allSettled(all.map((d) => gc.submit(d)));
    assert.equal(commits[0], all.length, 'the deliveries were submitted as one batch');
    results.forEach((r, i) => {
      const isBad = bad.includes(all[i]!);
      assert.equal(r.status, isBad ? 'rejected' : 'fulfilled', `item ${i}`);
    });
    assert.equal(await store.countEvents(), good.length);
    // Arrival order is kept: ids ascend in submission order.
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : []));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
  });

  it('answers a delivery the database refuses alone 422 RECEIVER_UNSTORABLE and records it (PostgreSQL)', async function () {
    // Only PostgreSQL refuses data the envelope check lets through: a principal (jwt sub) over its column's 255.
    if (ctx.engine !== 'pg') this.skip();
    const store = createInboxStore(ctx.db);
    const receiver = new ReceiverService(store, systemClock, pino({ level: 'silent' }), {
      groupCommitMax: 500,
      rejectedKeep: 100,
      maxDepth: 64,
    });
    const body = (uuid: string) =>
      Buffer.from(JSON.stringify({ uuid, timestamp: 1, resourceAction: 'ADDED', resource: { type: 'ORDER', uuid: 'o' } }));
    const base = { source: 'shop', requestId: 'r1', remoteAddress: '127.0.0.1' };
    const [bad, good] = await Promise.allSettled([
      receiver.receive({ ...base, principal: `jwt:${'x'.repeat(300)}`, body: body('long-principal') }),
      receiver.receive({ ...base, principal: 'token:t', body: body('fine') }),
    ]);
    assert.equal(good.status, 'fulfilled');
    assert.equal(bad.status, 'rejected');
    assert.equal((bad as PromiseRejectedResult).reason.code, 'RECEIVER_UNSTORABLE');
    assert.equal((bad as PromiseRejectedResult).reason.status, 422);
    const [rejection] = await store.listRejections(1);
    assert.equal(rejection?.errorCode, 'RECEIVER_UNSTORABLE');
    // A principal with NUL (a jwt sub is the sender's choice) is refused the same way, and still recorded.
    await assert.rejects(receiver.receive({ ...base, principal: 'jwt:a\u0000b', body: body('nul-principal') }), {
      code: 'RECEIVER_UNSTORABLE',
    });
    const [second] = await store.listRejections(1);
    assert.equal(second?.principal, 'jwt:a\ufffdb');
  });

  it('does not split a batch when the store is down: everyone gets the error after one attempt', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const commits: number[] = [];
    const gc = new GroupCommit<NewDelivery, AcceptOutcome>(
      (batch) => {
        commits.push(batch.length);
        return Promise.reject(down);
      },
      500,
      (err) => !isStoreUnavailable(err),
    );
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => gc.submit(newDelivery())));
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.deepEqual(commits, [8]);
  });
});
