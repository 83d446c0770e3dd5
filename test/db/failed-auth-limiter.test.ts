import assert from 'node:assert/strict';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { adminFor } from '../helpers/oauth-fixtures';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const WEBHOOK_TOKEN = 'a-webhook-token-of-appdirect-0123456789';
const MAX = 5;

function config(db: unknown, trustProxy = false): Record<string, unknown> {
  return {
    db,
    server: { trustProxy },
    sources: { shop: { auth: { mode: 'oauth2' } }, hook: { auth: { mode: 'token', tokens: [{ name: 't', value: WEBHOOK_TOKEN }] } } },
    auth: { failedAuth: { windowMs: 60_000, max: MAX } },
  };
}

async function tokenRequest(server: TestServer, clientId: string, secret: string, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

async function apiGet(server: TestServer, key: string, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${server.url}/api/v1/changes`, {
    headers: { authorization: `Bearer ${key}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
  });
  await res.arrayBuffer();
  return res.status;
}

async function webhook(server: TestServer, token: string): Promise<number> {
  const res = await fetch(`${server.url}/webhooks/hook`, {
    method: 'POST',
    headers: { 'x-appdirect-webhook-token': token, 'content-type': 'application/json' },
    body: JSON.stringify(delivery()),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Issue 11 item 6: failed-authentication limits, counted before scrypt, per endpoint family, shared on PostgreSQL. */
forEachDatabase('failed-authentication limiter', (ctx) => {
  let server: TestServer;
  beforeEach(async () => {
    await ctx.clean();
    server = await startTestServer(config(ctx.config));
  });
  afterEach(() => server?.close());

  it('checks at most max of N concurrent wrong client secrets from one address; the rest get 429 unchecked', async () => {
    const client = await adminFor(server).addClient('shop');
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => tokenRequest(server, client.clientId, `wrong-${i}`)));
    const checked = statuses.filter((s) => s === 401).length;
    assert.ok(checked <= MAX, `${checked} wrong secrets were checked (limit ${MAX})`);
    assert.equal(statuses.filter((s) => s === 429).length, 40 - checked);
  });

  it('limits guesses at one client id from many addresses too (per client id at the token endpoint)', async () => {
    await server.close();
    server = await startTestServer(config(ctx.config, true));
    const client = await adminFor(server).addClient('shop');
    for (let i = 0; i < MAX; i++) assert.equal(await tokenRequest(server, client.clientId, `wrong-${i}`, `198.51.100.${i}`), 401);
    assert.equal(await tokenRequest(server, client.clientId, client.clientSecret, '198.51.100.200'), 429);
    const other = await adminFor(server).addClient('shop');
    assert.equal(await tokenRequest(server, other.clientId, other.clientSecret, '198.51.100.201'), 200);
  });

  it('behind a proxy: with server.trustProxy the forwarded address is limited, not the proxy (off by default)', async () => {
    for (let i = 0; i < MAX; i++) assert.equal(await apiGet(server, `ads_nope_${i}`, '203.0.113.7'), 401);
    assert.equal(await apiGet(server, 'ads_nope_x', '203.0.113.8'), 429, 'X-Forwarded-For must be ignored by default');
    await server.close();
    server = await startTestServer(config(ctx.config, true));
    await ctx.db('auth_failures').delete();
    for (let i = 0; i < MAX; i++) assert.equal(await apiGet(server, `ads_nope_${i}`, '203.0.113.7'), 401);
    assert.equal(await apiGet(server, 'ads_nope_x', '203.0.113.7'), 429);
    assert.equal(await apiGet(server, 'ads_nope_y', '203.0.113.8'), 401, 'another sender behind the proxy is not limited');
  });

  it('a valid webhook delivery still succeeds while API keys are being brute-forced from the same address', async () => {
    for (let i = 0; i < MAX * 2; i++) assert.ok([401, 429].includes(await apiGet(server, `ads_nope_${i}`)));
    assert.equal(await apiGet(server, 'ads_nope_last'), 429);
    assert.equal(await webhook(server, WEBHOOK_TOKEN), 200);
    assert.equal(await tokenRequest(server, (await adminFor(server).addClient('shop')).clientId, 'wrong'), 401);
  });

  it('shares the counts between two instances on one PostgreSQL database', async function () {
    if (ctx.engine !== 'pg') this.skip(); // SQLite runs one instance; its counts are in memory
    const second = await startTestServer(config(ctx.config));
    try {
      const k = newApiKey();
      await new KnexApiKeyStore(ctx.db).create({ id: k.id, name: 'reader', keySha256: k.keySha256, scopes: ['feed:read'] }, new Date());
      assert.equal(await apiGet(second, k.key), 200);
      for (let i = 0; i < MAX; i++) assert.equal(await apiGet(server, `ads_nope_${i}`), 401);
      assert.equal(await apiGet(second, k.key), 429, "the second instance did not see the first one's failures");
    } finally {
      await second.close();
    }
  });
});
