import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { buildRuntime, type Runtime } from '../../src/main';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { WIDGET_MAPPING, widgetBody, type WidgetEvent } from '../helpers/worker-harness';

interface FeedPage {
  changes: { cursor: string; key: string; kind: string; data: { name: string; qty: number } }[];
  next_cursor: string;
  checkpoint?: string;
}

describe('change feed, consumers and records over HTTP', function () {
  this.timeout(30_000);
  let server: TestServer;
  let feedKey: string;
  let adminKey: string;
  let recordsKey: string;
  let n = 0;

  const overrides = (dir: string) => ({
    mappings: { dir: join(dir, 'mappings') },
    sources: { shop: { auth: { mode: 'none' } } },
  });

  async function keyWith(runtime: Runtime, scopes: ApiScope[]): Promise<string> {
    const k = newApiKey();
    await new KnexApiKeyStore(runtime.db).create({ id: k.id, name: scopes.join('+'), keySha256: k.keySha256, scopes }, new Date());
    return k.key;
  }

  async function deliverAndApply(events: Omit<WidgetEvent, 'uuid'>[]): Promise<void> {
    for (const e of events) {
      const res = await fetch(`${server.url}/webhooks/shop`, { method: 'POST', body: widgetBody({ ...e, uuid: `u${n++}` }) });
      assert.equal(res.status, 200);
    }
    while ((await server.runtime.worker.tick()).claimed > 0);
  }

  async function get(path: string, key = feedKey): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  async function post(path: string, body: unknown, key = feedKey): Promise<{ status: number; body: any }> {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  before(async () => {
    server = await startTestServer((dir) => {
      mkdirSync(join(dir, 'mappings'));
      writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_MAPPING);
      return { ...overrides(dir), db: { client: 'sqlite', filename: join(dir, 'feed.db') } };
    });
    feedKey = await keyWith(server.runtime, ['feed:read']);
    adminKey = await keyWith(server.runtime, ['admin']);
    recordsKey = await keyWith(server.runtime, ['records:read']);
  });
  after(() => server.close());

  it('refuses a missing key with 401 and a key without the scope with 403', async () => {
    const res = await fetch(`${server.url}/api/v1/changes`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    const wrong = await get('/api/v1/changes', recordsKey);
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, 'API_INSUFFICIENT_SCOPE');
    assert.equal((await get('/api/v1/changes', 'ads_nope_nope')).status, 401);
  });

  it('pages through every change exactly once, in order, across a restart', async () => {
    await deliverAndApply(
      Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, action: 'ADDED' as const, timestamp: 100 + i, name: `w${i}`, qty: i })),
    );
    const seen: string[] = [];
    let cursor = '0';
    for (let page = 0; page < 3; page++) {
      const r = await get(`/api/v1/changes?after=${cursor}&limit=5`);
      assert.equal(r.status, 200);
      seen.push(...(r.body as FeedPage).changes.map((c) => c.cursor));
      cursor = (r.body as FeedPage).next_cursor;
    }
    // Restart the service on the same database, then keep reading from the same cursor.
    const config = server.runtime.config;
    await server.runtime.stop();
    const runtime = await buildRuntime(config, { logger: pino({ level: 'silent' }) });
    const address = await runtime.listen();
    server = { ...server, runtime, url: `http://127.0.0.1:${address.port}` };
    await deliverAndApply([{ key: 'k-late', action: 'ADDED', timestamp: 500, name: 'late', qty: 1 }]);
    for (;;) {
      const r = await get(`/api/v1/changes?after=${cursor}&limit=5`);
      const page = r.body as FeedPage;
      if (page.changes.length === 0) {
        assert.equal(page.next_cursor, cursor, 'an empty page keeps the cursor');
        break;
      }
      seen.push(...page.changes.map((c) => c.cursor));
      cursor = page.next_cursor;
    }
    const all = (await server.runtime.db('changes').select('seq').orderBy('seq')).map((r: { seq: number }) => String(r.seq));
    assert.deepEqual(seen, all, 'no gap, no duplicate');
    assert.equal(all.length, 13);
  });

  it('filters by entity and refuses a malformed cursor', async () => {
    const none = await get('/api/v1/changes?after=0&entity=invoice');
    assert.deepEqual(none.body.changes, []);
    const some = await get('/api/v1/changes?after=0&entity=widget&limit=2');
    assert.equal(some.body.changes.length, 2);
    const bad = await get('/api/v1/changes?after=abc');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'API_BAD_REQUEST');
  });

  it('keeps a named consumer checkpoint: read, ack, continue; refuses acking backwards; rewinds', async () => {
    const first = (await get('/api/v1/consumers/crm/changes?limit=4')).body as FeedPage;
    assert.equal(first.checkpoint, '0');
    assert.equal(first.changes.length, 4);
    const again = (await get('/api/v1/consumers/crm/changes?limit=4')).body as FeedPage;
    assert.deepEqual(
      again.changes.map((c) => c.cursor),
      first.changes.map((c) => c.cursor),
      'no ack, same batch',
    );
    const ack = await post('/api/v1/consumers/crm/ack', { cursor: first.next_cursor });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.checkpoint, first.next_cursor);
    const next = (await get('/api/v1/consumers/crm/changes?limit=4')).body as FeedPage;
    assert.equal(Number(next.changes[0]?.cursor), Number(first.next_cursor) + 1);
    const backwards = await post('/api/v1/consumers/crm/ack', { cursor: '1' });
    assert.equal(backwards.status, 400);
    assert.equal((await post('/api/v1/consumers/crm/ack', { cursor: '999999' })).status, 400, 'beyond the head');

    assert.equal((await post('/api/v1/consumers/crm/rewind', { cursor: '2' })).status, 403, 'rewind needs admin');
    const rewound = await post('/api/v1/consumers/crm/rewind', { cursor: '2' }, adminKey);
    assert.equal(rewound.body.checkpoint, '2');
    assert.equal(((await get('/api/v1/consumers/crm/changes?limit=1')).body as FeedPage).changes[0]?.cursor, '3');
    const toStart = await post('/api/v1/consumers/crm/rewind', { time: '2000-01-01T00:00:00Z' }, adminKey);
    assert.equal(toStart.body.checkpoint, '0');
    const lag = await get('/api/v1/consumers', adminKey);
    const crm = (lag.body.consumers as { name: string; behind: number }[]).find((c) => c.name === 'crm');
    assert.equal(crm?.behind, 13);
  });

  it('long-polls: a waiting read returns as soon as a change is committed', async () => {
    const head = ((await get('/api/v1/changes?after=0&limit=1000')).body as FeedPage).next_cursor;
    const started = Date.now();
    const waiting = get(`/api/v1/changes?after=${head}&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    await deliverAndApply([{ key: 'k-poll', action: 'ADDED', timestamp: 900, name: 'poll', qty: 7 }]);
    const r = (await waiting).body as FeedPage;
    assert.equal(r.changes.length, 1);
    assert.equal(r.changes[0]?.key, 'k-poll');
    assert.ok(Date.now() - started < 10_000, 'woke up well before the 20 s wait');
    const empty = Date.now();
    const nothing = (await get(`/api/v1/changes?after=${r.next_cursor}&wait=1`)).body as FeedPage;
    assert.deepEqual(nothing.changes, []);
    assert.ok(Date.now() - empty >= 900, 'an idle long-poll waits out its wait');
  });

  it('serves records by key and in filtered pages', async () => {
    await deliverAndApply([{ key: 'k0', action: 'REMOVED', timestamp: 1000, name: '', qty: 0 }]);
    const one = await get('/api/v1/records/widget/k3', recordsKey);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.data, { name: 'w3', qty: 3 });
    assert.deepEqual(one.body.links, {}, 'links beside data; a mapping without links has none');
    assert.equal(one.body.deleted, false);
    assert.equal((await get('/api/v1/records/widget/nope', recordsKey)).status, 404);
    const deleted = await get('/api/v1/records/widget?deleted=true', recordsKey);
    assert.deepEqual(
      deleted.body.records.map((r: { key: string }) => r.key),
      ['k0'],
    );
    const keys: string[] = [];
    let after = '';
    for (;;) {
      const page = await get(`/api/v1/records/widget?deleted=false&limit=5${after ? `&after=${after}` : ''}`, recordsKey);
      keys.push(...page.body.records.map((r: { key: string }) => r.key));
      if (!page.body.next) break;
      after = page.body.next;
    }
    assert.equal(keys.length, 13);
    assert.equal(new Set(keys).size, 13);
    assert.equal((await get('/api/v1/records/widget', feedKey)).status, 403);
  });
});
