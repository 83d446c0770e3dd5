import assert from 'node:assert/strict';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { forEachDatabase } from '../helpers/test-databases';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

/**
 * Issue 11 item 7: a feed:read key may read and ack only the named consumers bound to it (the first key to use a
 * consumer owns it), never a connector's; an admin key may use any.
 */
forEachDatabase('named consumers are bound to API keys', (ctx) => {
  let server: TestServer;
  const keys: Record<string, string> = {};

  before(async () => {
    await ctx.clean();
    const store = new KnexApiKeyStore(ctx.db);
    for (const [name, scopes] of [
      ['crm', ['feed:read']],
      ['other', ['feed:read']],
      ['ops', ['admin']],
    ] as [string, ApiScope[]][]) {
      const k = newApiKey();
      await store.create({ id: k.id, name, keySha256: k.keySha256, scopes }, new Date());
      keys[name] = k.key;
    }
    // A consumer from before migration 007 (no owner) and a connector's consumer.
    await ctx.db('consumers').insert([
      { name: 'legacy', cursor: 0, created_at: new Date().toISOString() },
      { name: 'connector:erp', cursor: 0, created_at: new Date().toISOString() },
    ]);
    server = await startTestServer({ db: ctx.config });
  });
  after(() => server?.close());

  async function call(key: string, path: string, body?: unknown): Promise<{ status: number; code?: string }> {
    const res = await fetch(`${server.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { error?: { code?: string } };
    return { status: res.status, code: json.error?.code };
  }

  it("refuses another key's consumer, for reads and acks alike", async () => {
    assert.equal((await call(keys.crm as string, '/api/v1/consumers/crm-sync/changes')).status, 200);
    assert.equal((await call(keys.crm as string, '/api/v1/consumers/crm-sync/ack', { cursor: '0' })).status, 200);
    const ack = await call(keys.other as string, '/api/v1/consumers/crm-sync/ack', { cursor: '0' });
    assert.deepEqual(ack, { status: 403, code: 'API_CONSUMER_NOT_OWNED' });
    assert.equal((await call(keys.other as string, '/api/v1/consumers/crm-sync/changes')).status, 403);
    assert.equal((await call(keys.ops as string, '/api/v1/consumers/crm-sync/ack', { cursor: '0' })).status, 200, 'admin may');
  });

  it("refuses a connector's consumer to a feed:read key, and binds a consumer from before the upgrade to its first user", async () => {
    assert.deepEqual(await call(keys.crm as string, '/api/v1/consumers/connector:erp/ack', { cursor: '0' }), {
      status: 403,
      code: 'API_CONSUMER_NOT_OWNED',
    });
    assert.equal((await call(keys.ops as string, '/api/v1/consumers/connector:erp/ack', { cursor: '0' })).status, 200);
    assert.equal((await call(keys.other as string, '/api/v1/consumers/legacy/ack', { cursor: '0' })).status, 200);
    assert.equal((await call(keys.crm as string, '/api/v1/consumers/legacy/ack', { cursor: '0' })).status, 403);
  });
});
