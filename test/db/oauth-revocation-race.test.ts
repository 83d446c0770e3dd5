import assert from 'node:assert/strict';
import { adminFor } from '../helpers/oauth-fixtures';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

/** A client_credentials token request with HTTP Basic client authentication, as AppDirect makes it. */
async function requestToken(server: TestServer, clientId: string, secret: string): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token };
}

async function deliverWith(server: TestServer, token: string): Promise<number> {
  const res = await fetch(`${server.url}/webhooks/shop`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(delivery()),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Issue 11 item 5: `clients revoke` during a burst of token requests. Each request reads the client, then spends
 * tens of milliseconds in scrypt; a revoke committing meanwhile must leave no token of the client that verifies.
 */
forEachDatabase('OAuth2 client revocation during a token burst', (ctx) => {
  let server: TestServer;
  before(async () => {
    await ctx.clean();
    server = await startTestServer({
      db: ctx.config,
      sources: { shop: { auth: { mode: 'oauth2' } } },
      auth: { failedAuth: { max: 10_000 } },
    });
  });
  after(() => server?.close());

  it('no token minted around the revoke verifies afterwards, and the revoke is all-or-nothing', async () => {
    const admin = adminFor(server);
    const client = await admin.addClient('shop', undefined);
    const warm = await requestToken(server, client.clientId, client.clientSecret);
    assert.equal(warm.status, 200);
    assert.equal(await deliverWith(server, warm.token as string), 200);

    const burst = Array.from({ length: 24 }, () => requestToken(server, client.clientId, client.clientSecret));
    await new Promise((resolve) => setTimeout(resolve, 15));
    await admin.revokeClient(client.clientId);
    const answers = await Promise.all(burst);

    const minted = answers.filter((a) => a.status === 200).map((a) => a.token as string);
    assert.ok(
      answers.every((a) => a.status === 200 || a.status === 401),
      JSON.stringify(answers.map((a) => a.status)),
    );
    // Tokens handed out before the revoke committed are revoked with the client; none handed out after exists.
    const statuses = await Promise.all([warm.token as string, ...minted].map((t) => deliverWith(server, t)));
    assert.deepEqual(
      statuses.filter((s) => s !== 401),
      [],
      `${minted.length} tokens minted in the burst, some still deliver`,
    );
    const live = await server.runtime.db('oauth_tokens').where({ client_id: client.clientId }).whereNull('revoked_at').count({ n: '*' });
    assert.equal(Number(live[0]?.n), 0, 'a token of the revoked client is still unrevoked in the table');
  });
});
