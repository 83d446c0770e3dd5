import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import type { ClaimedEvent } from '../../src/inbox/inbox-queue';
import { InlinePlanner, type EventPlanner } from '../../src/worker/event-planner';
import type { TickResult } from '../../src/worker/tick-result';
import { engineHarness, expectedRecords, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';

const LEASE = 60_000;

const widgets = (n: number, keys = 5): WidgetEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    uuid: `e${i}`,
    key: `k${i % keys}`,
    action: (['ADDED', 'CHANGED', 'REMOVED', 'CHANGED'] as const)[(i * 7) % 4] as WidgetEvent['action'],
    timestamp: 1000 + ((i * 37) % 90), // shuffled versions, with ties
    name: `n${i}`,
    qty: i % 9,
  }));

/** Plans as InlinePlanner does, after a timer: two workers' drains then interleave between claim and apply. */
class PausingPlanner implements EventPlanner {
  constructor(private readonly inner: EventPlanner) {}
  async start(): Promise<void> {}
  async plan(events: ClaimedEvent[]) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return this.inner.plan(events);
  }
  async close(): Promise<void> {}
}

/** A claim on SQLite writes nothing; the apply transaction applies only what is still waiting (ADR 0042). */
describe('the claim on SQLite (writes nothing)', function () {
  this.timeout(60_000);
  let h: EngineHarness;
  beforeEach(async () => {
    h = await engineHarness({ batchSize: 7 });
  });
  afterEach(() => h.close());

  async function inboxRows() {
    return (await h.db('inbox_events').orderBy('id').select('id', 'status', 'attempts', 'claim_ticket', 'lease_until')) as {
      id: number;
      status: string;
      attempts: number;
      claim_ticket: string | null;
      lease_until: string | null;
    }[];
  }

  it('reads due events oldest first with their bodies and writes nothing; the ids in hand are skipped', async () => {
    await h.accept(widgets(5));
    const before = await inboxRows();
    const first = await h.queue.claim(3, LEASE, h.clock.now());
    assert.deepEqual(
      first.map((e) => e.id),
      before.slice(0, 3).map((r) => r.id),
    );
    assert.ok(first.every((e) => Buffer.isBuffer(e.body) && e.body.length > 0 && e.ticket === first[0]?.ticket));
    assert.deepEqual(await inboxRows(), before, 'the claim changed the inbox');

    const rest = await h.queue.claim(10, LEASE, h.clock.now(), undefined, new Set(first.map((e) => e.id)));
    assert.deepEqual(
      rest.map((e) => e.id),
      before.slice(3).map((r) => r.id),
    );
    const again = await h.queue.claim(10, LEASE, h.clock.now());
    assert.equal(again.length, 5, 'without ids in hand, a second claim reads the same events: nothing was leased');
  });

  it('applies an event once whichever claim of it comes first; the later apply finds it no longer waiting', async () => {
    await h.accept(widgets(6));
    const a = await h.queue.claim(6, LEASE, h.clock.now());
    const b = await h.queue.claim(6, LEASE, h.clock.now());
    const ids = a.map((e) => e.id);
    await h.db.transaction(async (trx) => {
      assert.equal((await h.queue.stillHeld(trx, ids, a[0]?.ticket ?? '')).size, 6);
      await h.queue.complete(
        trx,
        ids.slice(0, 4).map((id) => ({ id, status: 'done' as const })),
        h.clock.now(),
      );
    });
    const held = await h.db.transaction((trx) => h.queue.stillHeld(trx, ids, b[0]?.ticket ?? ''));
    assert.deepEqual(
      [...held].sort((x, y) => x - y),
      ids.slice(4),
    );
  });

  it('checks what is still waiting under the write lock: no other connection can end those events before the apply commits', async () => {
    await h.accept(widgets(3));
    const claimed = await h.queue.claim(3, LEASE, h.clock.now());
    const filename = (h.db.client.config as { connection: { filename: string } }).connection.filename;
    const other = new Database(filename, { timeout: 0 });
    try {
      await h.db.transaction(async (trx) => {
        const held = await h.queue.stillHeld(
          trx,
          claimed.map((e) => e.id),
          '',
        );
        assert.equal(held.size, 3);
        assert.throws(
          () => other.prepare(`update inbox_events set status = 'done' where id = ?`).run(claimed[0]?.id),
          (err: { code?: string }) => err.code === 'SQLITE_BUSY',
        );
      });
    } finally {
      other.close();
    }
  });

  it('counts one attempt when two workers give back their copies of one event', async () => {
    await h.accept(widgets(1));
    const a = await h.queue.claim(1, LEASE, h.clock.now());
    const b = await h.queue.claim(1, LEASE, h.clock.now());
    const error = { code: 'WORKER_STORE_UNAVAILABLE', message: 'busy' };
    await h.db.transaction((trx) => h.queue.retryLater(trx, a, error, 5, () => 1000, h.clock.now()));
    await h.db.transaction((trx) => h.queue.retryLater(trx, b, error, 5, () => 1000, h.clock.now()));
    assert.deepEqual(
      (await inboxRows()).map((r) => [r.status, r.attempts]),
      [['accepted', 1]],
    );
  });

  it('applies the events of a worker that died between mapping and apply at once, with no lease to wait out', async () => {
    const events = widgets(20);
    await h.accept(events);
    const dying = await h.queue.claim(7, LEASE, h.clock.now());
    await new InlinePlanner(h.mappings).plan(dying); // mapped; the process dies before its apply transaction
    const result = await h.newWorker().drain(); // same clock: a lease would still hold them
    assert.equal(result.done + result.stale, 20);
    const statuses = (await inboxRows()).map((r) => r.status);
    assert.ok(
      statuses.every((s) => s === 'done' || s === 'stale'),
      statuses.join(),
    );
    const rows = (await h.db('records').select('record_key', 'deleted', 'data')) as { record_key: string; deleted: number; data: string }[];
    assert.deepEqual(new Map(rows.map((r) => [r.record_key, { deleted: r.deleted === 1, data: r.data }])), expectedRecords(events));
  });
});

describe('two workers on one SQLite file, each on its own connection', function () {
  this.timeout(120_000);
  let dir: string;
  let dbs: Knex[];
  let harnesses: EngineHarness[];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-claim-'));
    const filename = join(dir, 'shared.db');
    dbs = [createKnex({ client: 'sqlite', filename, pool: { max: 1 } }), createKnex({ client: 'sqlite', filename, pool: { max: 1 } })];
    await migrateLatest(dbs[0] as Knex);
    harnesses = await Promise.all(dbs.map((db) => engineHarness({ batchSize: 9 }, db)));
  });
  afterEach(async () => {
    for (const h of harnesses) await h.close();
    for (const db of dbs) await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never apply one event twice: each event ends once, in one of them, and the records are as specified', async () => {
    const events = widgets(240, 12);
    const [a, b] = harnesses as [EngineHarness, EngineHarness];
    await a.accept(events);
    const workers = harnesses.map((h) => h.newWorker(undefined, new PausingPlanner(new InlinePlanner(h.mappings))));
    const results: TickResult[] = [];
    // Both drain side by side until neither finds work: they claim the same events, only one applies each.
    for (let round = 0; round < 50; round++) {
      const drained = await Promise.all(workers.map((w) => w.drain()));
      results.push(...drained);
      if (drained.every((r) => r.claimed === 0)) break;
    }
    const ended = results.reduce((n, r) => n + r.done + r.stale + r.failed + r.unmapped, 0);
    assert.equal(ended, events.length, 'an event ended twice (or never)');
    const claimed = results.reduce((n, r) => n + r.claimed, 0);
    assert.ok(claimed > events.length, `the drains never met on one event (claimed ${claimed}): the test did not test`);

    const statuses = (await b.db('inbox_events').select('status').count({ n: '*' }).groupBy('status')) as { status: string }[];
    assert.ok(
      statuses.every((s) => s.status === 'done' || s.status === 'stale'),
      JSON.stringify(statuses),
    );
    const changes = ((await b.db('changes').select('inbox_event_id')) as { inbox_event_id: number }[]).map((c) => c.inbox_event_id);
    assert.equal(new Set(changes).size, changes.length, 'an event appended two changes');
    const rows = (await b.db('records').select('record_key', 'deleted', 'data')) as { record_key: string; deleted: number; data: string }[];
    assert.deepEqual(new Map(rows.map((r) => [r.record_key, { deleted: r.deleted === 1, data: r.data }])), expectedRecords(events));
  });
});
