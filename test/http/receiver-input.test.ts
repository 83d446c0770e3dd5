import assert from 'node:assert/strict';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';
import type { InboxStore } from '../../src/inbox/inbox-store';

const TOKEN = 'input-test-token-0123456789';

describe('receiver input handling (over HTTP)', () => {
  let server: TestServer;
  let store: InboxStore;

  before(async () => {
    server = await startTestServer({
      server: { bodyLimitBytes: 4096 },
      receiver: { rejectedKeep: 10 },
      sources: { shop: { auth: { mode: 'token', tokens: [{ name: 't', value: TOKEN }] } } },
    });
    store = createInboxStore(server.runtime.db);
  });
  after(() => server.close());

  async function post(body: string | Buffer, path = '/webhooks/shop') {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appdirect-webhook-token': TOKEN },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  it('keeps the raw body bytes, the envelope, the principal and numeric ids as strings', async () => {
    const d = delivery({ resource: { type: 'ORDER', uuid: 123456789, content: { id: 123456789, totalPrice: '0.0000000000' } } });
    const raw = JSON.stringify(d, null, 2) + '\n';
    const res = await post(raw);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['id', 'status']);
    const stored = await store.getEvent('shop', d.uuid as string);
    assert.ok(stored);
    assert.equal(stored.body.toString('utf8'), raw);
    assert.equal(stored.resourceUuid, '123456789');
    assert.equal(stored.resourceType, 'ORDER');
    assert.equal(stored.principal, 'token:t');
    assert.equal(stored.id, res.body.id);
  });

  it('accepts resource types it does not map and content on REMOVED', async () => {
    const a = await post(
      JSON.stringify(
        delivery({
          resource: { type: 'CATALOG_PRODUCT', uuid: 665549, content: { application: { productRefId: 'x' } } },
          resourceAction: 'REMOVED',
        }),
      ),
    );
    assert.equal(a.status, 200);
    const b = await post(
      JSON.stringify(delivery({ resource: { type: 'USER', uuid: 'ext-42' }, resourceAction: 'REMOVED', extraField: { kept: true } })),
    );
    assert.equal(b.status, 200);
  });

  it('answers 400 RECEIVER_MALFORMED_JSON and records it', async () => {
    const res = await post('{"uuid": "broken",');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'RECEIVER_MALFORMED_JSON');
    assert.ok(res.body.error.requestId);
    const [latest] = await store.listRejections(1);
    assert.equal(latest?.errorCode, 'RECEIVER_MALFORMED_JSON');
    assert.equal(latest?.principal, 'token:t');
    assert.equal(latest?.bodyExcerpt?.toString(), '{"uuid": "broken",');
  });

  const broken: [string, Record<string, unknown>][] = [
    ['uuid', { uuid: 42 }],
    ['timestamp', { timestamp: '2026-11-27T00:00:00Z' }],
    ['resource', { resource: 'nope' }],
    ['resource.type', { resource: { uuid: 'x' } }],
    ['resource.uuid', { resource: { type: 'ORDER' } }],
    ['resourceAction', { resourceAction: 'DELETED' }],
    ['resource.content', { resource: { type: 'ORDER', uuid: '1', content: 'text' } }],
  ];
  for (const [field, patch] of broken) {
    it(`answers 400 RECEIVER_BAD_ENVELOPE naming ${field}, and records it`, async () => {
      const res = await post(JSON.stringify(delivery(patch)));
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'RECEIVER_BAD_ENVELOPE');
      assert.ok(res.body.error.message.startsWith(`${field} `), res.body.error.message);
      const [latest] = await store.listRejections(1);
      assert.equal(latest?.errorCode, 'RECEIVER_BAD_ENVELOPE');
      assert.equal(latest?.requestId, res.body.error.requestId);
    });
  }

  it('answers 413 for a body over the limit and records it without the body', async () => {
    const big = JSON.stringify(delivery({ padding: 'x'.repeat(10_000) }));
    const res = await post(big);
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'RECEIVER_BODY_TOO_LARGE');
    const [latest] = await store.listRejections(1);
    assert.equal(latest?.errorCode, 'RECEIVER_BODY_TOO_LARGE');
    assert.equal(latest?.bodyBytes, Buffer.byteLength(big));
  });

  it('answers 404 for an unknown source and records nothing', async () => {
    const before = (await store.listRejections(1))[0]?.id;
    const res = await post(JSON.stringify(delivery()), '/webhooks/nobody');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'RECEIVER_UNKNOWN_SOURCE');
    assert.equal((await store.listRejections(1))[0]?.id, before);
  });

  it('dedupes: 20 concurrent posts of one uuid make exactly one inbox row', async () => {
    const d = delivery();
    const body = JSON.stringify(d);
    const before = await store.countEvents();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body)));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(answers.filter((a) => a.body.status === 'accepted').length, 1);
    assert.equal(answers.filter((a) => a.body.status === 'duplicate').length, 19);
    assert.equal(await store.countEvents(), before + 1);
  });

  it('keeps a same-uuid, different-body delivery aside as a conflict', async () => {
    const d = delivery();
    await post(JSON.stringify(d));
    const conflictsBefore = await store.countConflicts();
    const res = await post(JSON.stringify({ ...d, timestamp: (d.timestamp as number) + 1 }));
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'conflict');
    assert.equal(await store.countConflicts(), conflictsBefore + 1);
  });

  it('keeps the rejected-deliveries table bounded to the newest receiver.rejectedKeep rows', async () => {
    for (let i = 0; i < 15; i++) await post(`not json ${i}`);
    const rows = await store.listRejections(100);
    assert.equal(rows.length, 10);
    assert.equal(rows[0]?.bodyExcerpt?.toString(), 'not json 14');
    assert.equal(rows[9]?.bodyExcerpt?.toString(), 'not json 5');
  });
});
