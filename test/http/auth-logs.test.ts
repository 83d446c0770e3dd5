import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ClientCredentials, ResourceOwnerPassword, type ModuleOptions } from 'simple-oauth2';
import { createLogger } from '../../src/core/logger';
import { adminFor, rejectionOf } from '../helpers/oauth-fixtures';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

describe('logs of the oauth2 flows hold no secret (over HTTP)', () => {
  let server: TestServer;
  let logs = '';

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString('utf8');
        done();
      },
    });
    // The service's own logger factory, with its redaction, at the most verbose level.
    const logger = createLogger({ level: 'trace', destination: sink });
    server = await startTestServer({ sources: { shop: { auth: { mode: 'oauth2' } } } }, undefined, logger);
  });
  after(() => server.close());

  it('neither a failing nor a succeeding flow logs the client secret, the password or the token', async () => {
    const admin = adminFor(server);
    const client = await admin.addClient('shop', undefined, ['client_credentials', 'password']);
    const { password } = await admin.addUser('shop', 'appdirect');
    const options = (secret: string, method: 'header' | 'body'): ModuleOptions => ({
      client: { id: client.clientId, secret },
      auth: { tokenHost: server.url, tokenPath: '/oauth/token' },
      options: { authorizationMethod: method },
    });
    const post = (authorization: string) =>
      fetch(`${server.url}/webhooks/shop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(delivery()),
      });

    // Failing: a wrong secret (both client auth methods), a wrong password, a forged bearer.
    const wrongSecret = `${client.clientSecret}-wrong`;
    const wrongPassword = `${password}-wrong`;
    await rejectionOf(new ClientCredentials(options(wrongSecret, 'header')).getToken({}));
    await rejectionOf(new ClientCredentials(options(wrongSecret, 'body')).getToken({}));
    await rejectionOf(
      new ResourceOwnerPassword(options(client.clientSecret, 'body')).getToken({ username: 'appdirect', password: wrongPassword }),
    );
    const forged = 'forged-bearer-token-0123456789';
    assert.equal((await post(`Bearer ${forged}`)).status, 401);

    // Succeeding: both grants, then deliveries with the tokens.
    const cc = await new ClientCredentials(options(client.clientSecret, 'header')).getToken({});
    const pw = await new ResourceOwnerPassword(options(client.clientSecret, 'body')).getToken({ username: 'appdirect', password });
    for (const token of [cc, pw]) assert.equal((await post(`Bearer ${String(token.token.access_token)}`)).status, 200);

    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(logs, /"msg":"access token issued"/, 'the flow was logged');
    assert.match(logs, /"msg":"token request refused"/);
    assert.match(logs, /"msg":"webhook authentication failed"/);
    assert.match(logs, /"msg":"webhook received"/);
    const secrets = [
      client.clientSecret,
      wrongSecret,
      password,
      wrongPassword,
      forged,
      String(cc.token.access_token),
      String(pw.token.access_token),
    ];
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a secret reached the logs');
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
    assert.ok(!logs.includes(basic.slice(0, 30)), 'the Basic credentials reached the logs');
  });
});
