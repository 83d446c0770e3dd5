import assert from 'node:assert/strict';
import { KnexEventAdminStore } from '../../src/inbox/knex-event-admin-store';
import { purgeInChunks } from '../../src/jobs/chunked-purges';
import { openSyncWorkspace, WIDGET_STRICT, type SyncWorkspace } from '../helpers/sync-workspace';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, type WidgetEvent } from '../helpers/worker-harness';

const DAY_MS = 86_400_000;

describe('retention job', () => {
  let ws: SyncWorkspace;
  const bodyBytes = async (id: number) => {
    const row = (await ws.runtime.db('inbox_payloads').select('body').where('event_id', id).first()) as { body: Buffer } | undefined;
    return row?.body.length ?? 0;
  };

  before(async () => {
    ws = await openSyncWorkspace({ mappings: { 'widget.yaml': WIDGET_STRICT } });
  });
  after(() => ws.close());

  it('purges only done and stale payloads older than retention.days; never accepted, failed, dead or unmapped', async () => {
    const done = await ws.accept('WIDGET', 'w1', { id: 'w1', name: 'one' }, { timestamp: 1_796_000_000_000 });
    const stale = await ws.accept('WIDGET', 'w1', { id: 'w1', name: 'older' }, { timestamp: 1_795_000_000_000 });
    const failed = await ws.accept('WIDGET', 'w2', { id: 'w2' });
    const unmapped = await ws.accept('USER', 'u1', { id: 'u1' });
    const dead = await ws.accept('WIDGET', 'w3', { id: 'w3', name: 'three' });
    // A transient error ended this one as dead; only its status matters here.
    await ws.runtime
      .db('inbox_events')
      .where('id', dead)
      .update({ status: 'dead', processed_at: ws.clock.now().toISOString(), error_code: 'SQLITE_BUSY' });
    await ws.drain();
    const statuses = await ws.runtime.events.statuses([done, stale, failed, unmapped, dead]);
    assert.deepEqual([...statuses.values()].map((s) => s.status).sort(), ['dead', 'done', 'failed', 'stale', 'unmapped']);

    ws.clock.advance(60 * DAY_MS);
    const accepted = await ws.accept('WIDGET', 'w4', { id: 'w4', name: 'waiting' });
    const recentDone = await ws.accept('WIDGET', 'w5', { id: 'w5', name: 'recent' });
    await ws.runtime.worker.tick(); // processes both; put w4 back to waiting as if it had not been claimed yet
    await ws.runtime.db('inbox_events').where('id', accepted).update({ status: 'accepted', processed_at: null });

    ws.clock.advance(31 * DAY_MS);
    assert.equal((await ws.runtime.jobs.run('retention'))['payloads purged'], 2);
    assert.equal(await bodyBytes(done), 0);
    assert.equal(await bodyBytes(stale), 0);
    for (const kept of [failed, unmapped, dead, accepted, recentDone])
      assert.ok((await bodyBytes(kept)) > 0, `event ${kept} lost its body`);
    assert.equal((await ws.runtime.jobs.run('retention'))['payloads purged'], 0, 'a second run purges nothing more');

    const show = await ws.cli('events', 'show', String(done));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /body:\s+purged by retention at 2026-04-02T/);
    assert.doesNotMatch(show.stdout, /"name"/);
    const kept = await ws.cli('events', 'show', String(failed));
    assert.match(kept.stdout, /"id": "w2"/);

    const retry = await ws.cli('events', 'retry', String(stale));
    assert.match(retry.stderr, /payload purged/);
  });

  it('`jobs run retention` runs it on demand (on the wall clock, months after the fake one)', async () => {
    const run = await ws.cli('jobs', 'run', 'retention');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^retention: 1 payloads purged$/m);
    for (const table of ['inbox events', 'changes', 'conflicts', 'rejected deliveries', 'oauth tokens']) {
      assert.match(run.stdout, new RegExp(`^retention: \\d+ ${table} deleted$`, 'm'), `what it purged from ${table}`);
    }
  });

  it('`consumers list` says which consumer fell behind retention', async () => {
    // The run above purged every change (no consumer held them); a consumer still at 0 now lies below the horizon.
    const horizon = await ws.runtime.feed.head();
    assert.ok(horizon > 0);
    await ws.runtime.db('consumers').insert({ name: 'crm', cursor: 0, created_at: new Date().toISOString() });
    const list = await ws.cli('consumers', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^crm .*FELL BEHIND RETENTION: changes through ${horizon} purged; rewind to ${horizon}`, 'm'));
    const json = JSON.parse((await ws.cli('consumers', 'list', '--json')).stdout) as { name: string; fellBehindRetention: boolean }[];
    assert.deepEqual(
      json.map((c) => [c.name, c.fellBehindRetention]),
      [['crm', true]],
    );
  });

  it('a run asked for while one is in progress joins it instead of overlapping', async () => {
    const [a, b] = [ws.runtime.jobs.run('retention'), ws.runtime.jobs.run('retention')];
    assert.equal(a, b);
    await a;
    assert.throws(() => ws.runtime.jobs.run('nope'), { code: 'JOB_UNKNOWN' });
  });
});

forEachDatabase('purging processed payloads (the store under the retention job)', (ctx) => {
  it('deletes the bodies of old done and stale events only, stamps them, and leaves their rows', async () => {
    await ctx.clean();
    const h = await engineHarness({}, ctx.db);
    try {
      const w = (uuid: string, timestamp: number): WidgetEvent => ({ uuid, key: 'k1', action: 'ADDED', timestamp, name: uuid, qty: 1 });
      await h.accept([w('new', 20), w('old', 10)]);
      await h.newWorker().tick();
      await h.acceptRaw([
        Buffer.from(
          JSON.stringify({
            uuid: 'bad',
            timestamp: 5,
            resource: { type: 'WIDGET', uuid: 'k2', content: { qty: 1 } },
            resourceAction: 'ADDED',
          }),
        ),
      ]);
      await h.newWorker().tick();
      await h.accept([w('waiting', 30)]);
      const events = new KnexEventAdminStore(ctx.db);
      const purge = () => purgeInChunks(ctx.db, events.processedPayloads(new Date(h.clock.now().getTime() + 1), h.clock.now()), 1000);
      const purged = await purge();
      assert.equal(purged, 2);
      const rows = (await ctx
        .db('inbox_events as e')
        .leftJoin('inbox_payloads as p', 'p.event_id', 'e.id')
        .select('e.delivery_uuid', 'e.status', 'e.payload_purged_at', 'p.body')
        .orderBy('e.id')) as { delivery_uuid: string; status: string; payload_purged_at: unknown; body: Buffer | null }[];
      assert.deepEqual(
        rows.map((r) => [r.delivery_uuid, r.status, r.payload_purged_at !== null, r.body !== null]),
        [
          ['new', 'done', true, false],
          ['old', 'stale', true, false],
          ['bad', 'failed', false, true],
          ['waiting', 'accepted', false, true],
        ],
      );
      assert.equal(await purge(), 0, 'nothing twice');
    } finally {
      await h.close();
    }
  });
});
