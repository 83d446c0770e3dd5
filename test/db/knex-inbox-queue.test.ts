import assert from 'node:assert/strict';
import { asDate, asNumber } from '../../src/db/column-values';
import { forEachDatabase } from '../helpers/test-databases';
import { newDelivery } from './db-fixtures';
import { createInboxQueue, createInboxStore } from '../../src/inbox/create-inbox-stores';
import type { InboxQueue } from '../../src/inbox/inbox-queue';

const T0 = new Date('2026-11-27T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;

interface EventState {
  status: string;
  attempts: number;
  claimTicket: string | null;
  leaseUntil: Date | null;
  nextAttemptAt: Date | null;
  processedAt: Date | null;
  errorCode: string | null;
  errorDetail: unknown;
  mappingVersion: string | null;
}

forEachDatabase('KnexInboxQueue', (ctx) => {
  let queue: InboxQueue;
  let ids: number[];

  async function accept(n: number): Promise<number[]> {
    const outcomes = await createInboxStore(ctx.db).acceptBatch(Array.from({ length: n }, () => newDelivery()));
    return outcomes.map((o) => o.id);
  }

  async function state(id: number): Promise<EventState> {
    const r = await ctx.db('inbox_events').where({ id }).first();
    assert.ok(r, `event ${id} exists`);
    const date = (v: Date | string | null) => (v === null ? null : asDate(v));
    return {
      status: r.status,
      attempts: asNumber(r.attempts),
      claimTicket: r.claim_ticket,
      leaseUntil: date(r.lease_until),
      nextAttemptAt: date(r.next_attempt_at),
      processedAt: date(r.processed_at),
      errorCode: r.error_code,
      errorDetail: r.error_detail === null ? null : JSON.parse(r.error_detail),
      mappingVersion: r.mapping_version,
    };
  }

  beforeEach(async () => {
    await ctx.clean();
    queue = createInboxQueue(ctx.db);
    ids = await accept(5);
  });

  // Leases are PostgreSQL's contract (several workers, SKIP LOCKED); a claim on SQLite leases nothing (ADR 0042,
  // test/db/sqlite-claim.test.ts).
  if (ctx.engine === 'pg') {
    it('claims due events in id order under one fresh ticket and a lease; leased events are not claimed again', async () => {
      const claimed = await queue.claim(3, LEASE, T0);
      assert.deepEqual(
        claimed.map((e) => e.id),
        ids.slice(0, 3),
      );
      const ticket = claimed[0]?.ticket;
      assert.ok(ticket && claimed.every((e) => e.ticket === ticket));
      const first = claimed[0];
      assert.ok(first);
      assert.equal(first.attempts, 0);
      assert.equal(first.timestamp, 1_795_000_000_000);
      assert.equal(first.action, 'ADDED');
      assert.ok(Buffer.isBuffer(first.body) && first.body.length > 0);
      const s = await state(first.id);
      assert.equal(s.claimTicket, ticket);
      assert.equal(s.leaseUntil?.toISOString(), at(LEASE).toISOString());

      const rest = await queue.claim(10, LEASE, at(LEASE - 1));
      assert.deepEqual(
        rest.map((e) => e.id),
        ids.slice(3),
      );
      assert.notEqual(rest[0]?.ticket, ticket);
      assert.deepEqual(await queue.claim(10, LEASE, at(LEASE - 1)), []);
    });

    it('never hands one event to two concurrent claims', async () => {
      await ctx.clean();
      const all = await accept(60);
      const claims = await Promise.all(Array.from({ length: 6 }, () => queue.claim(15, LEASE, T0)));
      const claimedIds = claims.flat().map((e) => e.id);
      assert.equal(new Set(claimedIds).size, claimedIds.length, 'an event was claimed twice');
      assert.deepEqual(
        [...claimedIds].sort((a, b) => a - b),
        all,
      );
      const nonEmpty = claims.filter((c) => c.length > 0);
      assert.ok(nonEmpty.length >= 4, 'the claims were not served side by side');
      for (const c of nonEmpty) assert.equal(new Set(c.map((e) => e.ticket)).size, 1, 'one ticket per claim');
      assert.equal(new Set(nonEmpty.map((c) => c[0]?.ticket)).size, nonEmpty.length, 'a ticket shared by two claims');
    });

    it('makes events claimable again under a new ticket when the lease runs out; the old ticket no longer holds them', async () => {
      const first = await queue.claim(2, LEASE, T0);
      const oldTicket = first[0]?.ticket;
      assert.ok(oldTicket);
      const again = await queue.claim(2, LEASE, at(LEASE + 1));
      assert.deepEqual(
        again.map((e) => e.id),
        first.map((e) => e.id),
      );
      const newTicket = again[0]?.ticket;
      assert.ok(newTicket && newTicket !== oldTicket);

      const claimedIds = first.map((e) => e.id);
      const [heldOld, heldNew] = await ctx.db.transaction(async (trx) => [
        await queue.stillHeld(trx, claimedIds, oldTicket),
        await queue.stillHeld(trx, claimedIds, newTicket),
      ]);
      assert.deepEqual([...heldOld], []);
      assert.deepEqual(
        [...heldNew].sort((a, b) => a - b),
        claimedIds,
      );

      // The crashed worker's retry under the old ticket changes nothing.
      await ctx.db.transaction((trx) => queue.retryLater(trx, first, { code: 'X', message: 'late' }, 5, () => 1000, at(LEASE + 2)));
      assert.equal((await state(claimedIds[0] as number)).claimTicket, newTicket);
      assert.equal((await state(claimedIds[0] as number)).attempts, 0);
    });
  }

  it('completes events with their status, mapping version and error, releasing the lease; completed events are not claimed', async () => {
    const claimed = await queue.claim(5, LEASE, T0);
    const [a, b, c, d, e] = claimed.map((x) => x.id) as [number, number, number, number, number];
    const done = at(5000);
    await ctx.db.transaction(async (trx) => {
      const held = await queue.stillHeld(trx, [a, b, c, d, e], claimed[0]?.ticket ?? '');
      assert.equal(held.size, 5);
      await queue.complete(
        trx,
        [
          { id: a, status: 'done', mappingVersion: 'v1' },
          { id: b, status: 'done', mappingVersion: 'v1' },
          { id: c, status: 'stale', mappingVersion: 'v2' },
          { id: d, status: 'unmapped' },
          { id: e, status: 'failed', errorCode: 'MAPPING_REQUIRED_FIELD_MISSING', errorDetail: { field: 'id' }, mappingVersion: 'v1' },
        ],
        done,
      );
    });
    const states = await Promise.all([a, b, c, d, e].map(state));
    assert.deepEqual(
      states.map((s) => [s.status, s.mappingVersion, s.errorCode]),
      [
        ['done', 'v1', null],
        ['done', 'v1', null],
        ['stale', 'v2', null],
        ['unmapped', null, null],
        ['failed', 'v1', 'MAPPING_REQUIRED_FIELD_MISSING'],
      ],
    );
    assert.deepEqual(states[4]?.errorDetail, { field: 'id' });
    for (const s of states) {
      assert.equal(s.claimTicket, null);
      assert.equal(s.leaseUntil, null);
      assert.equal(s.processedAt?.toISOString(), done.toISOString());
    }
    assert.deepEqual(await queue.claim(10, LEASE, at(10 * LEASE)), []);
  });

  it('retries later with backoff, counting attempts, and marks the event dead after maxAttempts', async () => {
    await ctx.clean();
    const [id] = await accept(1);
    const backoff = (attempt: number) => attempt * 60_000;
    const error = { code: 'WORKER_STORE_UNAVAILABLE', message: 'database busy' };

    let claimed = await queue.claim(1, LEASE, T0);
    await ctx.db.transaction((trx) => queue.retryLater(trx, claimed, error, 3, backoff, T0));
    let s = await state(id as number);
    assert.deepEqual([s.status, s.attempts, s.claimTicket, s.errorCode], ['accepted', 1, null, 'WORKER_STORE_UNAVAILABLE']);
    assert.equal(s.nextAttemptAt?.toISOString(), at(60_000).toISOString());
    assert.deepEqual(s.errorDetail, { message: 'database busy', attempts: 1 });
    assert.deepEqual(await queue.claim(1, LEASE, at(59_999)), [], 'claimed before its backoff ran out');

    claimed = await queue.claim(1, LEASE, at(60_000));
    assert.equal(claimed[0]?.attempts, 1);
    await ctx.db.transaction((trx) => queue.retryLater(trx, claimed, error, 3, backoff, at(60_000)));
    s = await state(id as number);
    assert.equal(s.attempts, 2);
    assert.equal(s.nextAttemptAt?.toISOString(), at(60_000 + 120_000).toISOString());
    assert.deepEqual(await queue.claim(1, LEASE, at(179_999)), []);

    claimed = await queue.claim(1, LEASE, at(180_000));
    assert.equal(claimed[0]?.attempts, 2);
    await ctx.db.transaction((trx) => queue.retryLater(trx, claimed, error, 3, backoff, at(180_000)));
    s = await state(id as number);
    assert.deepEqual([s.status, s.attempts, s.claimTicket, s.nextAttemptAt], ['dead', 3, null, null]);
    assert.equal(s.processedAt?.toISOString(), at(180_000).toISOString());
    assert.deepEqual(await queue.claim(1, LEASE, at(100 * 60_000)), []);
  });
});
