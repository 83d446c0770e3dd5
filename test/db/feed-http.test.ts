import assert from 'node:assert/strict';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { forEachDatabase } from '../helpers/test-databases';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { engineHarness, WIDGET_MAPPING, type EngineHarness } from '../helpers/worker-harness';

const GIZMO_MAPPING = `resourceType: GIZMO
entity: gizmo
fields:
  label: { type: string, from: resource.content.label, required: true }
  price: { type: decimal, from: resource.content.price }
  meta:  { type: json, from: resource.content.meta }
`;

/** Text that JSON must escape, and characters beyond ASCII: the feed must hand them back intact. */
const AWKWARD = 'Zoë "quoted" \\ back\nslash \u2028 </script> 💶';

function gizmo(key: string, uuid: string, ts: number, content: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ uuid, timestamp: ts, resource: { type: 'GIZMO', uuid: key, content }, resourceAction: 'ADDED' }));
}

interface FeedChange {
  cursor: string;
  entity: string;
  key: string;
  kind: string;
  data: Record<string, unknown>;
}

/** The HTTP change feed of the real service, read by a downstream connector, on each engine. */
forEachDatabase('change feed over HTTP', (ctx) => {
  let h: EngineHarness;
  let server: TestServer;
  let key: string;

  before(async () => {
    await ctx.clean();
    h = await engineHarness({}, ctx.db, { 'widget.yaml': WIDGET_MAPPING, 'gizmo.yaml': GIZMO_MAPPING });
    await h.accept([
      { uuid: 'e-1', key: 'w-1', action: 'ADDED', timestamp: 1000, name: 'one', qty: 1 },
      { uuid: 'e-2', key: 'w-2', action: 'ADDED', timestamp: 1000, name: 'two', qty: 2 },
    ]);
    await h.acceptRaw([
      gizmo('g-1', 'e-3', 1000, { label: AWKWARD, price: '12345678901234567890.1234567890', meta: { nested: { list: [1, null, true] } } }),
    ]);
    await h.accept([
      { uuid: 'e-4', key: 'w-1', action: 'CHANGED', timestamp: 2000, name: 'one bis', qty: 11 },
      { uuid: 'e-5', key: 'w-2', action: 'REMOVED', timestamp: 2000, name: 'two', qty: 2 },
    ]);
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
    const k = newApiKey();
    await new KnexApiKeyStore(ctx.db).create({ id: k.id, name: 'connector', keySha256: k.keySha256, scopes: ['feed:read'] }, new Date());
    key = k.key;
    server = await startTestServer({ db: ctx.config });
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  async function get(path: string, auth = true): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${server.url}${path}`, { headers: auth ? { authorization: `Bearer ${key}` } : {} });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('pages through every change in commit order, following next_cursor, and ends on an empty page', async () => {
    const seen: FeedChange[] = [];
    let after = '0';
    for (let pages = 0; pages < 10; pages++) {
      const { status, body } = await get(`/api/v1/changes?after=${after}&limit=2`);
      assert.equal(status, 200);
      const changes = body.changes as FeedChange[];
      if (changes.length === 0) {
        assert.equal(body.next_cursor, after, 'an empty page keeps the cursor');
        break;
      }
      assert.ok(changes.length <= 2);
      assert.equal(body.next_cursor, changes[changes.length - 1]?.cursor);
      seen.push(...changes);
      after = body.next_cursor as string;
    }
    assert.deepEqual(
      seen.map((c) => `${c.entity}/${c.key}/${c.kind}`),
      ['widget/w-1/created', 'widget/w-2/created', 'gizmo/g-1/created', 'widget/w-1/updated', 'widget/w-2/deleted'],
    );
    const cursors = seen.map((c) => Number(c.cursor));
    assert.deepEqual(
      cursors,
      [...cursors].sort((a, b) => a - b),
    );
    assert.equal(new Set(cursors).size, 5);
  });

  it('answers each change in the documented shape, its data intact', async () => {
    const { body } = await get('/api/v1/changes?entity=gizmo');
    const [change] = body.changes as Array<Record<string, unknown>>;
    assert.ok(change);
    assert.deepEqual(Object.keys(change), [
      'cursor',
      'source',
      'entity',
      'key',
      'kind',
      'data',
      'links',
      'event',
      'mapping_version',
      'cause',
      'committed_at',
    ]);
    assert.equal(typeof change.cursor, 'string');
    assert.deepEqual(
      { ...change, cursor: undefined, mapping_version: undefined },
      {
        cursor: undefined,
        source: 'shop',
        entity: 'gizmo',
        key: 'g-1',
        kind: 'created',
        data: { label: AWKWARD, price: '12345678901234567890.123456789', meta: { nested: { list: [1, null, true] } } },
        links: {},
        event: { uuid: 'e-3', timestamp: 1000 },
        mapping_version: undefined,
        cause: 'event',
        committed_at: '2026-11-27T00:00:00.000Z',
      },
    );
    assert.match(change.mapping_version as string, /^[0-9a-f]{8,}$/);
    assert.equal(body.next_cursor, change.cursor);
  });

  it('filters by entity (repeatable or comma-separated) and honours limit', async () => {
    const widgets = await get('/api/v1/changes?entity=widget&limit=1000');
    assert.deepEqual(
      (widgets.body.changes as FeedChange[]).map((c) => c.key),
      ['w-1', 'w-2', 'w-1', 'w-2'],
    );
    const both = await get('/api/v1/changes?entity=widget,gizmo&limit=3');
    assert.equal((both.body.changes as FeedChange[]).length, 3);
    const none = await get('/api/v1/changes?entity=nothing');
    assert.deepEqual(none.body, { changes: [], next_cursor: '0' });
  });

  it('the named consumer endpoint serves the same changes with its checkpoint', async () => {
    const { status, body } = await get('/api/v1/consumers/crm/changes?limit=2');
    assert.equal(status, 200);
    assert.equal(body.checkpoint, '0');
    assert.deepEqual(
      (body.changes as FeedChange[]).map((c) => c.key),
      ['w-1', 'w-2'],
    );
    const direct = await get('/api/v1/changes?limit=2');
    assert.deepEqual(body.changes, direct.body.changes);
  });

  it('refuses a missing key (401), a bad cursor and an out-of-range limit (400)', async () => {
    assert.equal((await get('/api/v1/changes', false)).status, 401);
    const bad = await get('/api/v1/changes?after=abc');
    assert.equal(bad.status, 400);
    assert.equal((bad.body.error as { code: string }).code, 'API_BAD_REQUEST');
    assert.equal((await get('/api/v1/changes?limit=1001')).status, 400);
    assert.equal((await get('/api/v1/changes?limit=0')).status, 400);
  });
});
