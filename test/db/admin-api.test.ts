import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { forEachDatabase } from '../helpers/test-databases';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { engineHarness, widgetBody, type EngineHarness } from '../helpers/worker-harness';

type Body = Record<string, unknown>;
interface Event {
  id: number;
  deliveryUuid: string;
  status: string;
  errorCode: string | null;
}

const T0 = '2026-11-27T00:00:00.000Z';
const gadget = Buffer.from(
  JSON.stringify({ uuid: 'e-g', timestamp: 1, resourceAction: 'ADDED', resource: { type: 'GADGET', uuid: 'g-1' } }),
);
const nameless = Buffer.from(
  JSON.stringify({ uuid: 'e-bad', timestamp: 1, resourceAction: 'ADDED', resource: { type: 'WIDGET', uuid: 'w-2', content: { qty: 1 } } }),
);

// Issue 13: the CLI's operator view as a JSON API, with scoped keys and an audit of every mutation.
forEachDatabase('admin API', (ctx) => {
  let h: EngineHarness;
  let server: TestServer;
  const keys: Record<string, { id: string; key: string }> = {};
  const ids: Record<string, number> = {};

  before(async () => {
    await ctx.clean();
    h = await engineHarness({}, ctx.db);
    await h.accept([{ uuid: 'e-1', key: 'w-1', action: 'ADDED', timestamp: 1, name: 'one', qty: 1 }]);
    h.clock.advance(3_600_000); // the rest arrive an hour later: `since` tells them apart
    await h.accept([{ uuid: 'e-2', key: 'w-1', action: 'CHANGED', timestamp: 2, name: 'one bis', qty: 2 }]);
    await h.acceptRaw([gadget, nameless]);
    await h.accept([{ uuid: 'e-old', key: 'w-1', action: 'CHANGED', timestamp: 0, name: 'older', qty: 0 }]);
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
    // A re-send of e-1 with another body, and a rejected delivery.
    await h.acceptRaw([widgetBody({ uuid: 'e-1', key: 'w-1', action: 'ADDED', timestamp: 1, name: 'other', qty: 9 })]);
    await h.inbox.recordRejection(
      {
        source: 'shop',
        principal: 'test',
        statusCode: 400,
        errorCode: 'RECEIVER_BAD_ENVELOPE',
        message: 'uuid: must be a non-empty string',
        requestId: 'req-1',
        remoteAddress: '127.0.0.1',
        bodyBytes: 2,
        bodyExcerpt: Buffer.from('{}'),
        receivedAt: h.clock.now(),
      },
      100,
    );
    const store = new KnexApiKeyStore(ctx.db);
    const scopes: Record<string, ApiScope[]> = {
      feed: ['feed:read'],
      reader: ['admin:read'],
      writer: ['admin:read', 'admin:write'],
      admin: ['admin'],
    };
    for (const [name, s] of Object.entries(scopes)) {
      const k = newApiKey();
      await store.create({ id: k.id, name, keySha256: k.keySha256, scopes: s }, new Date());
      keys[name] = { id: k.id, key: k.key };
    }
    for (const r of (await ctx.db('inbox_events').select('id', 'delivery_uuid')) as Array<{ id: number | string; delivery_uuid: string }>)
      ids[r.delivery_uuid] = Number(r.id);
    // The mapping's own test cases, one of them wrong on purpose: POST /mappings/test runs them.
    writeFileSync(
      join(h.mappingsDir, 'widget.tests.yaml'),
      [
        'cases:',
        '  - name: a widget maps its name',
        '    input: { uuid: t1, timestamp: 1, resourceAction: ADDED, resource: { type: WIDGET, uuid: w-9, content: { name: nine, qty: 9 } } }',
        '    expect: { name: nine, qty: 9 }',
        '  - name: a wrong expectation',
        '    input: { uuid: t2, timestamp: 1, resourceAction: ADDED, resource: { type: WIDGET, uuid: w-9, content: { name: nine, qty: 9 } } }',
        '    expect: { name: ten, qty: 9 }',
        '',
      ].join('\n'),
    );
    server = await startTestServer({ db: ctx.config, mappings: { dir: h.mappingsDir } });
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  async function call(method: string, path: string, who: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const headers: Record<string, string> = { authorization: `Bearer ${keys[who]?.key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}/api/v1/admin${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  }
  const list = async (query: string) => {
    const res = await call('GET', `/events?${query}`, 'reader');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.events as Event[]).map((e) => e.deliveryUuid);
  };

  it('lists events newest first, by each filter', async () => {
    assert.deepEqual(await list(''), ['e-old', 'e-bad', 'e-g', 'e-2', 'e-1']);
    assert.deepEqual(await list('status=failed,unmapped'), ['e-bad', 'e-g']);
    assert.deepEqual(await list('status=stale'), ['e-old']);
    assert.deepEqual(await list('type=gadget'), ['e-g']);
    assert.deepEqual(await list('source=shop&resource=w-1'), ['e-old', 'e-2', 'e-1']);
    assert.deepEqual(await list('source=elsewhere'), []);
    assert.deepEqual(await list('delivery=e-2'), ['e-2']);
    assert.deepEqual(await list(`since=2026-11-27T00:30:00Z&until=2026-11-28T00:00:00Z`), ['e-old', 'e-bad', 'e-g', 'e-2']);
    assert.deepEqual(await list(`until=2026-11-27T00:30:00Z`), ['e-1']);
  });

  it('pages with a keyset cursor until the last page', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await call('GET', `/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'reader');
      seen.push(...(res.body.events as Event[]).map((e) => e.deliveryUuid));
      if (res.body.nextCursor === null) break;
      cursor = res.body.nextCursor as string;
    }
    assert.deepEqual(seen, ['e-old', 'e-bad', 'e-g', 'e-2', 'e-1']);
  });

  it('answers 400 API_BAD_REQUEST naming each bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['status=bogus', 'status'],
      ['limit=0', 'limit'],
      ['limit=many', 'limit'],
      ['since=yesterday', 'since'],
      ['cursor=abc', 'cursor'],
      ['colour=red', 'colour'],
      ['type=a%00b', 'type'],
    ];
    for (const [query, param] of cases) {
      const res = await call('GET', `/events?${query}`, 'reader');
      assert.equal(res.status, 400, query);
      const error = res.body.error as { code: string; message: string };
      assert.equal(error.code, 'API_BAD_REQUEST', query);
      assert.match(error.message, new RegExp(`\\b${param}\\b`), query);
    }
    const bad = await call('POST', '/events/retry', 'writer', { status: ['failed'], ids: ['x'] });
    assert.equal(bad.status, 400);
    assert.match((bad.body.error as { message: string }).message, /\bids\.0\b/);
  });

  it('shows an event with its record and history, and a failed one with file, field and path', async () => {
    const done = await call('GET', `/events/${ids['e-2']}`, 'reader');
    assert.equal(done.status, 200);
    assert.equal((done.body.event as Event).status, 'done');
    assert.deepEqual((done.body.record as { data: unknown }).data, { name: 'one bis', qty: 2 });
    const history = done.body.history as Array<{ inboxEventId: number; kind: string }>;
    assert.deepEqual(
      history.map((c) => c.inboxEventId),
      [ids['e-2'], ids['e-1']],
    );
    const failed = await call('GET', `/events/${ids['e-bad']}`, 'reader');
    const event = failed.body.event as {
      errorCode: string;
      errorDetail: { issues: Array<{ file: string; field: string; path: string }> };
      body: string;
    };
    assert.equal(event.errorCode, 'MAPPING_REQUIRED_FIELD_MISSING');
    assert.deepEqual(
      event.errorDetail.issues.map((i) => [i.file.endsWith('widget.yaml'), i.field, i.path]),
      [[true, 'name', 'resource.content.name']],
    );
    assert.equal(JSON.parse(event.body).uuid, 'e-bad');
    assert.equal(failed.body.record, null);
    assert.equal((await call('GET', '/events/999999', 'reader')).status, 404);
  });

  it('lists conflicts beside the kept delivery, and rejected deliveries', async () => {
    const c = await call('GET', '/conflicts', 'reader');
    const [conflict] = c.body.conflicts as Array<{ deliveryUuid: string; body: string; kept: { eventId: number; body: string } }>;
    assert.equal(conflict?.deliveryUuid, 'e-1');
    assert.equal(JSON.parse(conflict?.body ?? '').resource.content.name, 'other');
    assert.equal(conflict?.kept.eventId, ids['e-1']);
    assert.equal(JSON.parse(conflict?.kept.body ?? '').resource.content.name, 'one');
    const r = await call('GET', '/rejected?source=shop', 'reader');
    assert.deepEqual(
      (r.body.rejected as Array<{ errorCode: string; requestId: string }>).map((x) => [x.errorCode, x.requestId]),
      [['RECEIVER_BAD_ENVELOPE', 'req-1']],
    );
    assert.equal((await call('GET', '/consumers', 'reader')).status, 200);
  });

  it('answers 403 API_INSUFFICIENT_SCOPE to a feed:read key, and to an admin:read key on a mutation', async () => {
    for (const [method, path, who] of [
      ['GET', '/events', 'feed'],
      ['GET', '/audit', 'feed'],
      ['POST', `/events/${ids['e-bad']}/retry`, 'reader'],
      ['POST', '/events/retry', 'reader'],
    ] as const) {
      const res = await call(method, path, who, method === 'POST' ? { status: ['failed'] } : undefined);
      assert.equal(res.status, 403, `${method} ${path} ${who}`);
      assert.equal((res.body.error as { code: string }).code, 'API_INSUFFICIENT_SCOPE');
    }
    assert.equal((await call('GET', '/events/1', 'admin')).status, 200, 'admin holds admin:read');
    assert.deepEqual(await h.db('inbox_events').select('id').where({ status: 'accepted' }), [], 'nothing was re-queued');
    assert.deepEqual(await h.db('admin_audit').select('id'), []);
  });

  it('retries one event and by filter, refuses done events, and audits each mutation', async () => {
    const one = await call('POST', `/events/${ids['e-bad']}/retry`, 'writer');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.requeued, [ids['e-bad']]);
    const done = await call('POST', `/events/${ids['e-2']}/retry`, 'writer');
    assert.equal(done.status, 409);
    assert.equal((done.body.error as { code: string }).code, 'EVENT_RETRY_REFUSED');
    const doneFilter = await call('POST', '/events/retry', 'admin', { status: ['done'] });
    assert.equal((doneFilter.body.error as { code: string }).code, 'EVENT_RETRY_REFUSED');
    assert.equal((await call('POST', '/events/retry', 'writer', {})).status, 400);
    const byFilter = await call('POST', '/events/retry', 'admin', { status: ['unmapped', 'stale'], type: ['gadget'] });
    assert.deepEqual(byFilter.body.requeued, [ids['e-g']]);
    const statuses = new Map(
      ((await h.db('inbox_events').select('id', 'status')) as Array<{ id: number | string; status: string }>).map((r) => [
        Number(r.id),
        r.status,
      ]),
    );
    assert.equal(statuses.get(ids['e-bad'] as number), 'accepted');
    assert.equal(statuses.get(ids['e-g'] as number), 'accepted');
    assert.equal(statuses.get(ids['e-2'] as number), 'done');
    assert.equal(statuses.get(ids['e-old'] as number), 'stale', 'the type filter narrowed the status filter');

    const audit = await call('GET', '/audit', 'reader');
    const rows = audit.body.audit as Array<{
      actor: { keyId: string; keyName: string };
      route: string;
      request: Body;
      affected: { requeued: number[]; refusedDone: number[] };
      at: string;
    }>;
    assert.deepEqual(
      rows.map((r) => [r.actor.keyName, r.actor.keyId, r.route, r.affected.requeued, r.affected.refusedDone]),
      [
        ['admin', keys.admin?.id, 'POST /events/retry', [ids['e-g']], []],
        ['writer', keys.writer?.id, 'POST /events/:id/retry', [], [ids['e-2']]],
        ['writer', keys.writer?.id, 'POST /events/:id/retry', [ids['e-bad']], []],
      ],
    );
    assert.deepEqual(rows[0]?.request, { status: ['unmapped', 'stale'], type: ['gadget'] });
    assert.ok(new Date(rows[0]?.at ?? '').getTime() > Date.parse(T0));
  });

  it('lists records of an entity by page and filter, and shows one with its versions and the change each made', async () => {
    // A second widget, removed: a tombstone to filter on.
    await h.accept([
      { uuid: 'e-3', key: 'w-3', action: 'ADDED', timestamp: 1, name: 'three', qty: 3 },
      { uuid: 'e-4', key: 'w-3', action: 'REMOVED', timestamp: 2, name: '', qty: 0 },
    ]);
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
    const page = async (query: string) => {
      const res = await call('GET', `/records/widget?${query}`, 'reader');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { records: Array<{ key: string; deleted: boolean; data: unknown }>; nextCursor: string | null };
    };
    const first = await page('limit=1');
    assert.deepEqual(
      first.records.map((r) => r.key),
      ['w-1'],
    );
    const second = await page(`limit=1&cursor=${first.nextCursor}`);
    assert.deepEqual(
      second.records.map((r) => [r.key, r.deleted]),
      [['w-3', true]],
    );
    assert.equal((await page(`limit=1&cursor=${second.nextCursor}`)).records.length, 0);
    assert.deepEqual(
      (await page('deleted=false')).records.map((r) => [r.key, r.data]),
      [['w-1', { name: 'one bis', qty: 2 }]],
    );
    assert.deepEqual((await page('source=elsewhere')).records, []);
    assert.deepEqual((await page('')).records.length, 2);

    const shown = await call('GET', '/records/widget/w-3?source=shop', 'reader');
    assert.equal(shown.status, 200, JSON.stringify(shown.body));
    assert.equal((shown.body.record as { deleted: boolean }).deleted, true);
    const versions = shown.body.history as Array<{ kind: string; inboxEventId: number; eventUuid: string; data: unknown }>;
    assert.deepEqual(
      versions.map((v) => [v.kind, v.eventUuid]),
      [
        ['deleted', 'e-4'],
        ['created', 'e-3'],
      ],
    );
    assert.deepEqual(versions[1]?.data, { name: 'three', qty: 3 });
    const limited = await call('GET', '/records/widget/w-3?limit=1', 'reader');
    assert.equal((limited.body.history as unknown[]).length, 1);

    const missing = await call('GET', '/records/widget/nope', 'reader');
    assert.equal(missing.status, 404);
    assert.equal((missing.body.error as { code: string }).code, 'API_NOT_FOUND');
    for (const query of [
      '/records/widget?cursor=bogus',
      '/records/widget?deleted=maybe',
      '/records/widget?colour=red',
      '/records/widget/w-3?x=1',
    ]) {
      const bad = await call('GET', query, 'reader');
      assert.equal(bad.status, 400, query);
      assert.equal((bad.body.error as { code: string }).code, 'API_BAD_REQUEST', query);
    }
    assert.equal((await call('GET', '/records/widget', 'feed')).status, 403);
  });

  it('previews a delivery or a stored event through the service mappings, with errors by file, field and path', async () => {
    const delivery = {
      uuid: 'p1',
      timestamp: 1,
      resourceAction: 'ADDED',
      resource: { type: 'WIDGET', uuid: 'w-7', content: { name: 'seven', qty: '7' } },
    };
    const ok = await call('POST', '/mappings/preview', 'reader', { delivery });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.ok, ok.body.entity, ok.body.key, ok.body.data], [true, 'widget', 'w-7', { name: 'seven', qty: 7 }]);

    const stored = await call('POST', '/mappings/preview', 'reader', { eventId: ids['e-bad'] });
    assert.equal(stored.body.ok, false);
    assert.equal(stored.body.key, 'w-2');
    const [issue] = stored.body.errors as Array<{ code: string; file: string; field: string; path: string }>;
    assert.deepEqual(
      [issue?.code, issue?.file.endsWith('widget.yaml'), issue?.field, issue?.path],
      ['MAPPING_REQUIRED_FIELD_MISSING', true, 'name', 'resource.content.name'],
    );

    const unmapped = await call('POST', '/mappings/preview', 'reader', { eventId: ids['e-g'] });
    assert.deepEqual(
      (unmapped.body.errors as Array<{ code: string }>).map((e) => e.code),
      ['MAPPING_NOT_FOUND'],
    );
    assert.equal((await call('POST', '/mappings/preview', 'reader', { eventId: 999999 })).status, 404);
    assert.deepEqual(await h.db('admin_audit').select('id').where('route', 'like', '%mappings%'), [], 'a preview changes nothing');
  });

  it('refuses a preview body that is too deep, too large, malformed or ambiguous with a 4xx', async () => {
    const post = async (text: string) => {
      const res = await fetch(`${server.url}/api/v1/admin/mappings/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.reader?.key}`, 'content-type': 'application/json' },
        body: text,
      });
      return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
    };
    const deep = `{"delivery":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    assert.deepEqual(await post(deep), { status: 400, code: 'API_BAD_REQUEST' });
    const huge = JSON.stringify({ delivery: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const large = await post(huge);
    assert.equal(large.status, 413);
    assert.equal(await post('{not json').then((r) => r.code), 'API_BAD_REQUEST');
    assert.equal(await post(JSON.stringify({ delivery: {}, eventId: 1 })).then((r) => r.status), 400);
    assert.equal(await post(JSON.stringify({})).then((r) => r.status), 400);
    assert.equal(await post(JSON.stringify({ delivery: [] })).then((r) => r.status), 400);
  });

  it("runs the mapping files' own tests and answers pass or fail with the diff", async () => {
    const res = await call('POST', '/mappings/test', 'reader', {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = res.body.results as Array<{ name: string; passed: boolean; failure?: string }>;
    assert.deepEqual(
      results.map((r) => [r.name, r.passed]),
      [
        ['a widget maps its name', true],
        ['a wrong expectation', false],
      ],
    );
    assert.match(results[1]?.failure ?? '', /record differs \(- expected, \+ actual\):\n\s+name\n\s+- "ten"\n\s+\+ "nine"/);
    assert.deepEqual([res.body.ok, res.body.passed, res.body.failed], [false, 1, 1]);
    const filtered = await call('POST', '/mappings/test', 'reader', { filter: 'maps its name' });
    assert.deepEqual([filtered.body.ok, filtered.body.passed, filtered.body.failed], [true, 1, 0]);
    assert.equal((await call('POST', '/mappings/test', 'feed', {})).status, 403);
  });

  it('lists connectors with their lag, and answers an index at /api/v1/admin', async () => {
    const res = await call('GET', '/connectors', 'reader');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.connectors, [], 'no connector configured here (test/http/metrics.test.ts runs some)');
    const index = await call('GET', '', 'reader');
    assert.ok((index.body.endpoints as string[]).includes('GET /api/v1/admin/records/:entity/:key'));
  });
});
