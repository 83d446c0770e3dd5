import assert from 'node:assert/strict';
import type { RecordWriter } from '../../src/records/record-store';
import { engineHarness, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { forEachDatabase } from '../helpers/test-databases';

const w = (uuid: string, action: WidgetEvent['action'], timestamp: number, name = 'n', qty = 1, key = 'k1'): WidgetEvent => ({
  uuid,
  key,
  action,
  timestamp,
  name,
  qty,
});

forEachDatabase('SyncWorker on the real stores', (ctx) => {
  let h: EngineHarness;
  beforeEach(async () => {
    await ctx.clean();
    h = await engineHarness({ maxAttempts: 2, backoffBaseMs: 1000 }, ctx.db);
  });
  afterEach(() => h.close());

  async function statuses(): Promise<Record<string, string>> {
    const rows = (await ctx.db('inbox_events').select('delivery_uuid', 'status')) as { delivery_uuid: string; status: string }[];
    return Object.fromEntries(rows.map((r) => [r.delivery_uuid, r.status]));
  }
  async function record(key = 'k1') {
    const r = await h.records.get({ source: 'shop', entity: 'widget', key });
    return r && { data: JSON.parse(r.data) as unknown, deleted: r.deleted, version: r.version.uuid };
  }
  const changeKinds = async () => ((await ctx.db('changes').select('kind').orderBy('seq')) as { kind: string }[]).map((c) => c.kind);

  it('applies in version order whatever the arrival order; older events end stale', async () => {
    await h.accept([w('c2', 'CHANGED', 30, 'third', 3), w('a1', 'ADDED', 10, 'first', 1), w('c1', 'CHANGED', 20, 'second', 2)]);
    const r = await h.newWorker().tick();
    assert.equal(r.claimed, 3);
    assert.deepEqual(await statuses(), { c2: 'done', a1: 'stale', c1: 'stale' });
    assert.deepEqual(await record(), { data: { name: 'third', qty: 3 }, deleted: false, version: 'c2' });
    assert.deepEqual(await changeKinds(), ['created']);
  });

  it('tombstones on REMOVED, appends no change for an unchanged CHANGED, and restores on a newer ADDED', async () => {
    await h.accept([w('a', 'ADDED', 10, 'x', 1)]);
    await h.newWorker().tick();
    await h.accept([w('same', 'CHANGED', 20, 'x', 1), w('rm', 'REMOVED', 30)]);
    await h.newWorker().tick();
    assert.deepEqual(await record(), { data: { name: 'x', qty: 1 }, deleted: true, version: 'rm' });
    await h.accept([w('back', 'ADDED', 40, 'y', 2)]);
    await h.newWorker().tick();
    assert.deepEqual(await record(), { data: { name: 'y', qty: 2 }, deleted: false, version: 'back' });
    assert.deepEqual(await changeKinds(), ['created', 'deleted', 'restored']);
  });

  it('marks a mapping failure failed with code, field and path, and an unknown type unmapped', async () => {
    const body = (uuid: string, type: string, content?: object) =>
      Buffer.from(JSON.stringify({ uuid, timestamp: 10, resource: { type, uuid: 'k9', content }, resourceAction: 'ADDED' }));
    await h.acceptRaw([body('bad', 'WIDGET', { qty: 'many' }), body('u1', 'USER', { email: 'a@b.c' })]);
    await h.newWorker().tick();
    const failed = await ctx.db('inbox_events').where({ delivery_uuid: 'bad' }).first();
    assert.equal(failed.status, 'failed');
    assert.match(failed.error_code, /^MAPPING_/);
    const detail = JSON.parse(failed.error_detail) as { issues: { field: string; path: string; file: string }[] };
    assert.ok(detail.issues.some((i) => i.field === 'name' && i.path === 'resource.content.name' && i.file.endsWith('widget.yaml')));
    assert.ok(detail.issues.some((i) => i.field === 'qty'));
    assert.equal((await statuses()).u1, 'unmapped');
    assert.equal(await record('k9'), undefined);
  });

  it('retries a batch that fails in its transaction, then marks it dead after maxAttempts, leaving no partial write', async () => {
    await h.accept([w('a', 'ADDED', 10)]);
    const failing: RecordWriter = {
      load: (trx, refs) => h.records.load(trx, refs),
      write: async (trx, writes, now) => {
        await h.records.write(trx, writes, now);
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      },
    };
    const first = await h.newWorker(failing).tick();
    assert.equal(first.retried, 1);
    let row = await ctx.db('inbox_events').where({ delivery_uuid: 'a' }).first();
    assert.equal(row.status, 'accepted');
    assert.equal(Number(row.attempts), 1);
    assert.equal(row.error_code, 'SQLITE_BUSY');
    assert.equal((await h.newWorker().tick()).claimed, 0, 'not due before its backoff');
    h.clock.advance(5_000);
    await h.newWorker(failing).tick();
    row = await ctx.db('inbox_events').where({ delivery_uuid: 'a' }).first();
    assert.equal(row.status, 'dead');
    assert.equal(await record(), undefined, 'the failed transactions wrote nothing');
    assert.deepEqual(await changeKinds(), []);
  });
});
