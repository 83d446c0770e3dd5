import assert from 'node:assert/strict';
import { ClientCredentials, ResourceOwnerPassword, type ModuleOptions } from 'simple-oauth2';
import { KnexOauthClientStore } from '../../src/auth/knex-oauth-client-store';
import type { IssuedClient } from '../../src/auth/oauth-admin-service';
import { tokenDigest } from '../../src/auth/oauth-token-service';
import { hashSecret } from '../../src/auth/secret-hash';
import { FakeClock } from '../../src/core/clock';
import { adminFor, rejectionOf, tokenError } from '../helpers/oauth-fixtures';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

describe('oauth2 source: token endpoint and bearer deliveries (over HTTP)', () => {
  let server: TestServer;
  let client: IssuedClient;
  let otherClient: IssuedClient;
  let password: string;
  const clock = new FakeClock(new Date());

  before(async () => {
    server = await startTestServer(
      { sources: { shop: { auth: { mode: 'oauth2' } }, other: { auth: { mode: 'oauth2' } } }, auth: { tokenTtlSeconds: 600 } },
      clock,
    );
    const admin = adminFor(server, clock);
    client = await admin.addClient('shop', 'AppDirect production', ['client_credentials', 'password']);
    otherClient = await admin.addClient('other', undefined, ['client_credentials', 'password']);
    ({ password } = await admin.addUser('shop', 'appdirect'));
  });
  after(() => server.close());

  function options(c: IssuedClient, method?: 'header' | 'body', secret = c.clientSecret): ModuleOptions {
    return {
      client: { id: c.clientId, secret },
      auth: { tokenHost: server.url, tokenPath: '/oauth/token' },
      ...(method ? { options: { authorizationMethod: method } } : {}),
    };
  }

  async function post(bearer: string | undefined, source = 'shop', rawAuthorization?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
    if (rawAuthorization !== undefined) headers.authorization = rawAuthorization;
    const res = await fetch(`${server.url}/webhooks/${source}`, { method: 'POST', headers, body: JSON.stringify(delivery()) });
    return { status: res.status, body: (await res.json()) as Record<string, any>, challenge: res.headers.get('www-authenticate') };
  }

  for (const method of ['header', 'body'] as const) {
    it(`client_credentials with client auth in the ${method} yields a token that delivers`, async () => {
      const token = await new ClientCredentials(options(client, method)).getToken({ scope: 'webhooks' });
      assert.equal(token.token.token_type, 'Bearer');
      assert.equal(token.token.expires_in, 600);
      assert.equal(token.token.scope, 'webhooks');
      assert.equal(token.expired(), false);
      const res = await post(token.token.access_token as string);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'accepted');
      const row = await server.runtime.db('inbox_events').where({ id: res.body.id }).first();
      assert.equal(row?.principal, `oauth2:${client.clientId}`);
    });

    it(`password grant with client auth in the ${method} yields a token that delivers`, async () => {
      const grant = new ResourceOwnerPassword(options(client, method));
      const token = await grant.getToken({ username: 'appdirect', password });
      const res = await post(token.token.access_token as string);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'accepted');
    });
  }

  it('answers with Cache-Control: no-store', async () => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('refuses a wrong client secret with 401 invalid_client, challenging Basic only when Basic was used', async () => {
    const basic = tokenError(await rejectionOf(new ClientCredentials(options(client, 'header', 'wrong-secret')).getToken({})));
    assert.equal(basic.status, 401);
    assert.equal(basic.body.error, 'invalid_client');
    assert.match(String(basic.headers['www-authenticate']), /^Basic realm="appdirect-sync"$/);
    const body = tokenError(await rejectionOf(new ClientCredentials(options(client, 'body', 'wrong-secret')).getToken({})));
    assert.equal(body.status, 401);
    assert.equal(body.body.error, 'invalid_client');
    assert.equal(body.headers['www-authenticate'], undefined);
  });

  it('refuses a wrong password with invalid_grant and a foreign scope with invalid_scope', async () => {
    const grant = new ResourceOwnerPassword(options(client));
    const wrong = tokenError(await rejectionOf(grant.getToken({ username: 'appdirect', password: `${password}x` })));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    const otherUser = tokenError(
      await rejectionOf(new ResourceOwnerPassword(options(otherClient)).getToken({ username: 'appdirect', password })),
    );
    assert.equal(otherUser.body.error, 'invalid_grant', 'a user belongs to one source only');
    const scope = tokenError(await rejectionOf(new ClientCredentials(options(client)).getToken({ scope: 'admin' })));
    assert.equal(scope.body.error, 'invalid_scope');
  });

  it('refuses an unsupported grant and a non-form body', async () => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'x',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'unsupported_grant_type');
    const json = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
  });

  it('refuses a client whose source is no longer configured as oauth2 with unauthorized_client', async () => {
    const legacy = {
      clientId: 'adsync-legacy',
      clientSecret: 'legacy-secret-0123456789',
      source: 'gone',
      grants: ['client_credentials' as const],
    };
    await new KnexOauthClientStore(server.runtime.db).insert({
      clientId: legacy.clientId,
      source: 'gone',
      secretHash: await hashSecret(legacy.clientSecret),
      description: null,
      createdAt: clock.now(),
      revokedAt: null,
      grants: ['client_credentials'],
    });
    const refused = tokenError(await rejectionOf(new ClientCredentials(options(legacy)).getToken({})));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'unauthorized_client');
  });

  it('allows each client only its grants: a password-only client gets no client_credentials token (issue 11 item 7)', async () => {
    const admin = adminFor(server, clock);
    const pwOnly = await admin.addClient('shop', 'password only', ['password']);
    const { password: leaving } = await admin.addUser('shop', 'only-user');
    assert.ok((await new ResourceOwnerPassword(options(pwOnly)).getToken({ username: 'only-user', password: leaving })).token.access_token);
    await admin.revokeUser('shop', 'only-user');
    const cc = tokenError(await rejectionOf(new ClientCredentials(options(pwOnly)).getToken({})));
    assert.equal(cc.status, 400);
    assert.equal(cc.body.error, 'unauthorized_client');
    const ccOnly = await admin.addClient('shop');
    const pw = tokenError(await rejectionOf(new ResourceOwnerPassword(options(ccOnly)).getToken({ username: 'appdirect', password })));
    assert.equal(pw.body.error, 'unauthorized_client');
  });

  it('refuses a stored token whose scope is not webhooks (the verifier reads the scope; issue 11 item 7)', async () => {
    const token = await new ClientCredentials(options(client)).getToken({});
    const access = token.token.access_token as string;
    assert.equal((await post(access)).status, 200);
    await server.runtime
      .db('oauth_tokens')
      .where({ token_sha256: tokenDigest(access) })
      .update({ scope: 'records' });
    const refused = await post(access);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'AUTH_INVALID_TOKEN');
  });

  it('answers RFC 6750 to a missing, malformed or unknown bearer', async () => {
    const missing = await post(undefined);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'AUTH_MISSING_TOKEN');
    assert.equal(missing.challenge, 'Bearer realm="appdirect-sync"');
    const malformed = await post(undefined, 'shop', 'Bearer two parts');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'AUTH_BAD_REQUEST');
    const unknown = await post('not-a-token-we-issued');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, 'AUTH_INVALID_TOKEN');
    assert.equal(unknown.challenge, 'Bearer realm="appdirect-sync", error="invalid_token"');
  });

  it("refuses another source's token", async () => {
    const token = await new ClientCredentials(options(otherClient)).getToken({});
    assert.equal((await post(token.token.access_token as string, 'other')).status, 200);
    const cross = await post(token.token.access_token as string, 'shop');
    assert.equal(cross.status, 401);
    assert.equal(cross.body.error.code, 'AUTH_INVALID_TOKEN');
  });

  it('refuses a token once it expired', async () => {
    const token = await new ClientCredentials(options(client)).getToken({});
    const access = token.token.access_token as string;
    assert.equal((await post(access)).status, 200);
    clock.advance(599_000);
    assert.equal((await post(access)).status, 200);
    clock.advance(2_000);
    const late = await post(access);
    assert.equal(late.status, 401);
    assert.equal(late.body.error.code, 'AUTH_INVALID_TOKEN');
  });

  it('refuses the tokens of a revoked client, and the client itself', async () => {
    const admin = adminFor(server, clock);
    const doomed = await admin.addClient('shop', 'to revoke');
    const token = await new ClientCredentials(options(doomed)).getToken({});
    assert.equal((await post(token.token.access_token as string)).status, 200);
    assert.equal(await admin.revokeClient(doomed.clientId), 1);
    assert.equal((await post(token.token.access_token as string)).status, 401);
    const again = tokenError(await rejectionOf(new ClientCredentials(options(doomed)).getToken({})));
    assert.equal(again.body.error, 'invalid_client');
  });

  it('refuses the tokens of a revoked user', async () => {
    const admin = adminFor(server, clock);
    const user = await admin.addUser('shop', 'leaving');
    const token = await new ResourceOwnerPassword(options(client)).getToken({ username: 'leaving', password: user.password });
    assert.equal((await post(token.token.access_token as string)).status, 200);
    await admin.revokeUser('shop', 'leaving');
    assert.equal((await post(token.token.access_token as string)).status, 401);
  });

  it('stores secrets, passwords and tokens only hashed', async () => {
    const token = await new ResourceOwnerPassword(options(client)).getToken({ username: 'appdirect', password });
    const access = token.token.access_token as string;
    const dump = JSON.stringify([
      await server.runtime.db('oauth_clients').select(),
      await server.runtime.db('oauth_users').select(),
      await server.runtime.db('oauth_tokens').select(),
    ]);
    for (const secret of [client.clientSecret, password, access]) assert.ok(!dump.includes(secret));
    assert.match(dump, /scrypt\$16384\$8\$1\$/);
  });
});

describe('oauth2 token endpoint rate limit (over HTTP)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      sources: { shop: { auth: { mode: 'oauth2' } } },
      auth: { failedAuth: { windowMs: 60_000, max: 3 } },
    });
  });
  after(() => server.close());

  it('answers 429 after too many failed token requests from one address, even with good credentials', async () => {
    const client = await adminFor(server).addClient('shop');
    const opts = (secret: string): ModuleOptions => ({
      client: { id: client.clientId, secret },
      auth: { tokenHost: server.url, tokenPath: '/oauth/token' },
    });
    for (let i = 0; i < 3; i++) {
      assert.equal(tokenError(await rejectionOf(new ClientCredentials(opts('guess')).getToken({}))).status, 401);
    }
    const limited = tokenError(await rejectionOf(new ClientCredentials(opts(client.clientSecret)).getToken({})));
    assert.equal(limited.status, 429);
  });
});
