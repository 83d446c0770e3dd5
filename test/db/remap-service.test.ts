import assert from 'node:assert/strict';
import { openSyncWorkspace, WIDGET_FIXED, type SyncWorkspace } from '../helpers/sync-workspace';

interface ChangeRow {
  seq: number;
  record_key: string;
  kind: string;
  data: string;
  cause: string;
  inbox_event_id: number | null;
  event_uuid: string;
  mapping_version: string;
}

const COLOR_UPPER_RED = WIDGET_FIXED.replace(
  'color: { type: string, from: resource.content.color }',
  'color: { type: enum, from: resource.content.color, values: { red: RED, blue: blue } }',
);
const COLOR_CRIMSON_BLUE = WIDGET_FIXED.replace(
  'color: { type: string, from: resource.content.color }',
  'color: { type: enum, from: resource.content.color, values: { red: CRIMSON, blue: BLUE } }',
);
const DAY_MS = 86_400_000;

describe('remap', () => {
  let ws: SyncWorkspace;
  const changes = async () => (await ws.runtime.db('changes').orderBy('seq')) as ChangeRow[];

  beforeEach(async () => {
    ws = await openSyncWorkspace({ mappings: { 'widget.yaml': WIDGET_FIXED } });
    await ws.accept('WIDGET', 'w1', { id: 'w1', name: 'one', color: 'red' });
    await ws.accept('WIDGET', 'w2', { id: 'w2', name: 'two', color: 'blue' });
    await ws.drain();
  });
  afterEach(() => ws.close());

  it('appends one change only for the record whose data changed, keeps its version, and a second remap appends none', async () => {
    const before = await changes();
    assert.equal(before.length, 2);
    const w1Before = await ws.record('widget', 'w1');
    const w2Before = await ws.record('widget', 'w2');

    ws.writeMapping('widget.yaml', COLOR_UPPER_RED);
    ws.reloadMappings();
    const newVersion = ws.runtime.mappings.forResourceType('WIDGET')?.version;
    assert.ok(newVersion && newVersion !== w1Before?.mappingVersion);
    const first = await ws.runtime.remap.run();
    assert.deepEqual([first.checked, first.changed, first.unchanged, first.failed], [2, 1, 1, 0]);

    const added = (await changes()).slice(before.length);
    assert.equal(added.length, 1);
    assert.deepEqual(
      { key: added[0]?.record_key, kind: added[0]?.kind, cause: added[0]?.cause, inboxEventId: added[0]?.inbox_event_id, eventUuid: added[0]?.event_uuid },
      { key: 'w1', kind: 'updated', cause: 'remap', inboxEventId: null, eventUuid: w1Before?.version.uuid },
    );
    const w1 = await ws.record('widget', 'w1');
    assert.equal(JSON.parse(w1?.data ?? '{}').color, 'RED');
    assert.deepEqual(w1?.version, w1Before?.version);
    assert.equal(w1?.mappingVersion, newVersion);
    const w2 = await ws.record('widget', 'w2');
    assert.equal(w2?.data, w2Before?.data);
    assert.equal(w2?.mappingVersion, newVersion);

    const second = await ws.runtime.remap.run();
    assert.deepEqual([second.checked, second.changed, second.unchanged], [2, 0, 2]);
    assert.equal((await changes()).length, before.length + 1);
  });

  it('maps purged events from the stored content, and keeps deleted records deleted with a deleted change', async () => {
    // w1 is removed (no content: the tombstone keeps the last data); w2's payload is purged by retention.
    await ws.accept('WIDGET', 'w1', undefined, { resourceAction: 'REMOVED', timestamp: 1_795_000_100_000 });
    await ws.drain();
    assert.equal((await ws.record('widget', 'w1'))?.deleted, true);
    ws.clock.advance(91 * DAY_MS);
    assert.equal((await ws.runtime.jobs.run('retention'))['payloads purged'], 3);
    const seqBefore = (await changes()).length;

    ws.writeMapping('widget.yaml', COLOR_CRIMSON_BLUE);
    ws.reloadMappings();
    const summary = await ws.runtime.remap.run({ entity: 'widget' });
    assert.deepEqual([summary.checked, summary.changed, summary.skipped, summary.failed], [2, 2, 0, 0]);
    const added = (await changes()).slice(seqBefore);
    assert.deepEqual(added.map((c) => [c.record_key, c.kind, JSON.parse(c.data).color]), [['w1', 'deleted', 'CRIMSON'], ['w2', 'updated', 'BLUE']]);
    const w1 = await ws.record('widget', 'w1');
    assert.equal(w1?.deleted, true);
    assert.equal(w1?.version.action, 'REMOVED');
  });

  it('refuses an entity no mapping produces', async () => {
    await assert.rejects(ws.runtime.remap.run({ entity: 'nothing' }), { code: 'REMAP_UNKNOWN_ENTITY' });
  });

  it('a retried stale event stays stale: retry goes through the ordering rule', async () => {
    const newer = await ws.accept('WIDGET', 'w3', { id: 'w3', name: 'new', color: 'red' }, { timestamp: 1_796_000_000_000, resourceAction: 'CHANGED' });
    const older = await ws.accept('WIDGET', 'w3', { id: 'w3', name: 'old', color: 'red' }, { timestamp: 1_795_500_000_000 });
    await ws.drain();
    const statuses = await ws.runtime.events.statuses([newer, older]);
    assert.deepEqual([statuses.get(newer)?.status, statuses.get(older)?.status], ['done', 'stale']);

    const requeued = await ws.runtime.events.requeue({ statuses: ['stale'] });
    assert.deepEqual(requeued.requeued, [older]);
    await ws.drain();
    assert.equal((await ws.runtime.events.statuses([older])).get(older)?.status, 'stale');
    assert.equal(JSON.parse((await ws.record('widget', 'w3'))?.data ?? '{}').name, 'new');
  });
});
