import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { configSchema } from '../../src/config/config-schema';
import { FakeClock } from '../../src/core/clock';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'appdirect-sync-webhooks';

describe('jwt source: tokens of the customer identity provider (over HTTP)', () => {
  let jwks: Server;
  let server: TestServer;
  let signingKey: KeyLike;
  let strangerKey: KeyLike;
  let jwksHits = 0;
  const clock = new FakeClock(new Date());
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((req, res) => {
      jwksHits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    server = await startTestServer(
      {
        sources: {
          shop: { auth: { mode: 'jwt', jwksUrl, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30 } },
          dark: { auth: { mode: 'jwt', jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: ISSUER, audience: AUDIENCE } },
          // Same issuer and audience as shop, bound to one subject and one client id (issue 11 item 7).
          bysub: { auth: { mode: 'jwt', jwksUrl, issuer: ISSUER, audience: AUDIENCE, subjects: ['svc-bysub'] } },
          byclient: { auth: { mode: 'jwt', jwksUrl, issuer: ISSUER, audience: AUDIENCE, clientIds: ['crm-client'] } },
        },
      },
      clock,
    );
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  function mint(
    patch: { iss?: string; aud?: string; exp?: number; kid?: string; key?: KeyLike; sub?: string; claims?: Record<string, string> } = {},
  ) {
    return new SignJWT({ scope: 'webhooks', ...patch.claims })
      .setProtectedHeader({ alg: 'RS256', kid: patch.kid ?? 'idp-1' })
      .setIssuer(patch.iss ?? ISSUER)
      .setAudience(patch.aud ?? AUDIENCE)
      .setSubject(patch.sub ?? 'appdirect-marketplace')
      .setIssuedAt(nowSeconds() - 10)
      .setExpirationTime(patch.exp ?? nowSeconds() + 300)
      .sign(patch.key ?? signingKey);
  }

  async function post(token: string | undefined, source = 'shop') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${server.url}/webhooks/${source}`, { method: 'POST', headers, body: JSON.stringify(delivery()) });
    return { status: res.status, body: (await res.json()) as Record<string, any>, challenge: res.headers.get('www-authenticate') };
  }

  async function assertRefused(token: string) {
    const res = await post(token);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'AUTH_INVALID_TOKEN');
    assert.equal(res.challenge, 'Bearer realm="appdirect-sync", error="invalid_token"');
  }

  it('accepts a token signed by a key of the JWKS, as principal jwt:<sub>', async () => {
    const res = await post(await mint());
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'accepted');
    assert.ok(jwksHits >= 1, 'the JWKS was fetched');
    const row = await server.runtime.db('inbox_events').where({ id: res.body.id }).first();
    assert.equal(row?.principal, 'jwt:appdirect-marketplace');
  });

  it('refuses a wrong issuer', async () => assertRefused(await mint({ iss: 'https://evil.example.com/' })));

  it('refuses a wrong audience', async () => assertRefused(await mint({ aud: 'some-other-api' })));

  it('refuses an expired token beyond the clock tolerance, accepts one within it', async () => {
    assert.equal((await post(await mint({ exp: nowSeconds() - 10 }))).status, 200);
    await assertRefused(await mint({ exp: nowSeconds() - 120 }));
    const token = await mint({ exp: nowSeconds() + 60 });
    assert.equal((await post(token)).status, 200);
    clock.advance(120_000);
    await assertRefused(token);
  });

  it('refuses a token signed by an unknown key, with a known or an unknown kid', async () => {
    await assertRefused(await mint({ key: strangerKey }));
    await assertRefused(await mint({ key: strangerKey, kid: 'idp-unknown' }));
  });

  it('answers a missing header with a bare Bearer challenge', async () => {
    const res = await post(undefined);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'AUTH_MISSING_TOKEN');
    assert.equal(res.challenge, 'Bearer realm="appdirect-sync"');
  });

  it('answers 503 when the JWKS cannot be fetched, so AppDirect retries', async () => {
    const res = await post(await mint(), 'dark');
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'AUTH_JWKS_UNAVAILABLE');
  });

  it("binds a source to subjects or client ids, so sources sharing issuer and audience refuse each other's tokens", async () => {
    assert.equal((await post(await mint({ sub: 'svc-bysub' }), 'bysub')).status, 200);
    assert.equal((await post(await mint(), 'bysub')).status, 401, "shop's token at bysub");
    assert.equal((await post(await mint({ sub: 'svc-crm', claims: { client_id: 'crm-client' } }), 'byclient')).status, 200);
    assert.equal((await post(await mint({ sub: 'svc-crm', claims: { azp: 'crm-client' } }), 'byclient')).status, 200);
    assert.equal((await post(await mint({ sub: 'svc-bysub' }), 'byclient')).status, 401, 'no client id claim');
    assert.equal((await post(await mint({ sub: 'svc-x', claims: { client_id: 'other' } }), 'byclient')).status, 401);
  });

  it('production refuses two unbound jwt sources with the same issuer and audience', () => {
    const auth = { mode: 'jwt', jwksUrl: 'https://idp.example.com/jwks', issuer: ISSUER, audience: AUDIENCE };
    const parse = (b: Record<string, unknown>) =>
      configSchema.safeParse({ environment: 'production', sources: { a: { auth }, b: { auth: { ...auth, ...b } } } });
    const refused = parse({});
    assert.equal(refused.success, false);
    assert.match(JSON.stringify(refused.error?.issues), /share issuer and audience/);
    assert.equal(parse({ subjects: ['x'] }).success, false, 'a is still unbound');
    assert.equal(
      configSchema.safeParse({
        environment: 'production',
        sources: { a: { auth: { ...auth, subjects: ['y'] } }, b: { auth: { ...auth, clientIds: ['c'] } } },
      }).success,
      true,
    );
  });
});
