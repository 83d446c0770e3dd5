import assert from 'node:assert/strict';
import { withTransaction } from '../../src/db/transaction';
import { KnexEventAdminStore } from '../../src/inbox/knex-event-admin-store';
import { NOT_SHOWN } from '../../src/mapping/json-diff';
import { MappingDiffService } from '../../src/worker/mapping-diff-service';
import { openSyncWorkspace, WIDGET_FIXED, type SyncWorkspace } from '../helpers/sync-workspace';
import { createRecordStore, createRemapStore } from '../../src/records/create-record-stores';

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
const WITH_NEST = `${WIDGET_FIXED}  nest:  { type: json, from: resource.content.nest }\n`;
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

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
      {
        key: added[0]?.record_key,
        kind: added[0]?.kind,
        cause: added[0]?.cause,
        inboxEventId: added[0]?.inbox_event_id,
        eventUuid: added[0]?.event_uuid,
      },
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
    assert.deepEqual(
      added.map((c) => [c.record_key, c.kind, JSON.parse(c.data).color]),
      [
        ['w1', 'deleted', 'CRIMSON'],
        ['w2', 'updated', 'BLUE'],
      ],
    );
    const w1 = await ws.record('widget', 'w1');
    assert.equal(w1?.deleted, true);
    assert.equal(w1?.version.action, 'REMOVED');
  });

  it('refuses an entity no mapping produces', async () => {
    await assert.rejects(ws.runtime.remap.run({ entity: 'nothing' }), { code: 'REMAP_UNKNOWN_ENTITY' });
  });

  it('a retried stale event stays stale: retry goes through the ordering rule', async () => {
    const newer = await ws.accept(
      'WIDGET',
      'w3',
      { id: 'w3', name: 'new', color: 'red' },
      { timestamp: 1_796_000_000_000, resourceAction: 'CHANGED' },
    );
    const older = await ws.accept('WIDGET', 'w3', { id: 'w3', name: 'old', color: 'red' }, { timestamp: 1_795_500_000_000 });
    await ws.drain();
    const statuses = await ws.runtime.events.statuses([newer, older]);
    assert.deepEqual([statuses.get(newer)?.status, statuses.get(older)?.status], ['done', 'stale']);

    const requeued = await withTransaction(ws.runtime.db, (trx) => ws.runtime.events.requeue(trx, { statuses: ['stale'] }));
    assert.deepEqual(requeued.requeued, [older]);
    await ws.drain();
    assert.equal((await ws.runtime.events.statuses([older])).get(older)?.status, 'stale');
    assert.equal(JSON.parse((await ws.record('widget', 'w3'))?.data ?? '{}').name, 'new');
  });

  /** Gives w1's stored delivery a `nest` this deep, as an older version (or a raised intake limit) stored it. */
  async function nestW1(depth: number): Promise<void> {
    const ev = (await ws.runtime.db('inbox_events').where({ resource_uuid: 'w1' }).first('id')) as { id: number };
    const row = (await ws.runtime.db('inbox_payloads').where({ event_id: ev.id }).first('body')) as { body: Buffer };
    const text = row.body.toString('utf8').replace(/,"nest":[[{"a:1\]}]*/, '');
    const body = Buffer.from(text.replace('"name":"one"', `"name":"one","nest":${nested(depth)}`));
    await ws.runtime.db('inbox_payloads').where({ event_id: ev.id }).update({ body });
  }

  it('fails alone a record whose stored delivery nests too deep for the new mapping, and remaps the others', async () => {
    await nestW1(200_000);
    ws.writeMapping('widget.yaml', WITH_NEST);
    ws.reloadMappings();
    const summary = await ws.runtime.remap.run({ entity: 'widget' });
    assert.deepEqual([summary.checked, summary.failed], [2, 1]);
    const version = ws.runtime.mappings.forResourceType('WIDGET')?.version;
    assert.equal((await ws.record('widget', 'w2'))?.mappingVersion, version, 'w2 was remapped');
    assert.notEqual((await ws.record('widget', 'w1'))?.mappingVersion, version, 'w1 kept as it was');
  });

  it('mappings diff reports a too-deep event as failing, and a difference against too-deep stored data once, without overflowing', async () => {
    const service = new MappingDiffService(
      new KnexEventAdminStore(ws.runtime.db),
      createRecordStore(ws.runtime.db),
      createRemapStore(ws.runtime.db),
    );
    ws.writeMapping('widget.yaml', WITH_NEST);
    ws.reloadMappings();
    const candidate = ws.runtime.mappings.forResourceType('WIDGET');
    assert.ok(candidate);
    await nestW1(200_000);
    const deep = await service.diff([candidate], { last: 10 });
    const w1 = deep.find((d) => d.event.resourceUuid === 'w1');
    assert.equal(w1?.outcome, 'failing');
    assert.equal(w1?.outcome === 'failing' ? w1.issues[0]?.code : undefined, 'WORKER_PAYLOAD_TOO_DEEP');
    assert.equal(deep.find((d) => d.event.resourceUuid === 'w2')?.outcome, 'different', 'w2 still compared (it gains nest: null)');

    // Within the bound on the mapping side, but the stored data (an older version wrote it) nests past it.
    await nestW1(900);
    await ws.runtime
      .db('records')
      .where({ record_key: 'w1' })
      .update({ data: `{"color":"red","id":"w1","name":"one","nest":${nested(2000)}}` });
    const bounded = await service.diff([candidate], { last: 10 });
    const entries = bounded.find((d) => d.event.resourceUuid === 'w1');
    assert.equal(entries?.outcome, 'different');
    const diffs = entries?.outcome === 'different' ? entries.entries : [];
    assert.equal(diffs.length, 1);
    assert.deepEqual(diffs[0], { path: `nest${'.a'.repeat(900)}`, expected: NOT_SHOWN, actual: 1 });
  });
});
