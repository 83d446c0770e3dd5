import assert from 'node:assert/strict';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';
import type { InboxStore } from '../../src/inbox/inbox-store';

const TOKEN = 'hostile-input-token-0123456789';

/**
 * Issue 11 items 3 and 4 over a real socket on each engine: absurd nesting and control characters are refused
 * with a 400 and recorded, never a 503 (PostgreSQL refused NUL in text for the whole group commit).
 */
forEachDatabase('receiver and hostile input', (ctx) => {
  let server: TestServer;
  let store: InboxStore;
  before(async () => {
    server = await startTestServer({
      db: ctx.config,
      receiver: { maxDepth: 32 },
      sources: { shop: { auth: { mode: 'token', tokens: [{ name: 't', value: TOKEN }] } } },
    });
    store = createInboxStore(ctx.db);
  });
  after(async () => {
    await server?.close();
  });

  async function post(body: string): Promise<{ status: number; code?: string; id?: number }> {
    const res = await fetch(`${server.url}/webhooks/shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appdirect-webhook-token': TOKEN },
      body,
    });
    const json = (await res.json()) as { error?: { code: string }; id?: number };
    return { status: res.status, code: json.error?.code, id: json.id };
  }

  async function latestRejection() {
    const [r] = await store.listRejections(1);
    return r;
  }

  it('refuses a body nested 200,000 levels deep with 400 RECEIVER_TOO_DEEP, recorded, and keeps serving', async () => {
    const d = delivery();
    const body = JSON.stringify(d).replace('"status":"ACTIVE"', `"status":${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    const res = await post(body);
    assert.deepEqual(res, { status: 400, code: 'RECEIVER_TOO_DEEP', id: undefined });
    const rejection = await latestRejection();
    assert.equal(rejection?.errorCode, 'RECEIVER_TOO_DEEP');
    assert.equal(rejection?.bodyBytes, Buffer.byteLength(body));
    assert.equal(await store.getEvent('shop', d.uuid as string), undefined);
    assert.equal((await post(JSON.stringify(delivery()))).status, 200);
  });

  it('takes nesting up to receiver.maxDepth, and brackets inside strings do not count', async () => {
    // Body (1) > resource (2) > content (3) > 29 arrays = 32 levels: the limit exactly.
    const content = { list: JSON.parse('['.repeat(29) + ']'.repeat(29)), text: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' };
    const ok = await post(JSON.stringify(delivery({ resource: { type: 'ORDER', uuid: 'o-1', content } })));
    assert.equal(ok.status, 200);
    content.list = JSON.parse('['.repeat(30) + ']'.repeat(30));
    const deep = await post(JSON.stringify(delivery({ resource: { type: 'ORDER', uuid: 'o-1', content } })));
    assert.equal(deep.code, 'RECEIVER_TOO_DEEP');
  });

  for (const [what, field, patch] of [
    ['NUL', 'uuid', { uuid: 'abc\u0000def' }],
    ['NUL', 'resource.type', { resource: { type: 'ORDER\u0000', uuid: 'x' } }],
    ['NUL', 'resource.uuid', { resource: { type: 'ORDER', uuid: '\u0000' } }],
    ['a line break', 'resource.uuid', { resource: { type: 'ORDER', uuid: 'line\nbreak' } }],
    ['a lone surrogate', 'uuid', { uuid: 'lone-\ud800-surrogate' }],
  ] as const) {
    it(`refuses ${what} in ${field} with 400 RECEIVER_BAD_ENVELOPE, recorded; others still commit`, async () => {
      const res = await post(JSON.stringify(delivery(patch)));
      assert.equal(res.status, 400);
      assert.equal(res.code, 'RECEIVER_BAD_ENVELOPE');
      const rejection = await latestRejection();
      assert.equal(rejection?.errorCode, 'RECEIVER_BAD_ENVELOPE');
      assert.match(rejection?.message ?? '', new RegExp(`^${field.replace('.', '\\.')} `));
      assert.equal((await post(JSON.stringify(delivery()))).status, 200);
    });
  }

  it('stores NUL inside resource.content byte for byte (the body is kept as bytes, not text)', async () => {
    const d = delivery({ resource: { type: 'ORDER', uuid: 'o-2', content: { note: 'a\u0000b', ['k\u0000']: 1 } } });
    const body = JSON.stringify(d);
    const res = await post(body);
    assert.equal(res.status, 200);
    const stored = await store.getEvent('shop', d.uuid as string);
    assert.equal(stored?.body.toString('utf8'), body);
  });
});
