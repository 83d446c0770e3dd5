import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnexOauthTokenStore } from '../../src/auth/knex-oauth-token-store';
import { Oauth2TokenSource } from '../../src/simulate/oauth2-token-source';
import { simulateDeliveries, webhookUrlFor } from '../../src/simulate/webhook-simulator';
import { adminFor } from '../helpers/oauth-fixtures';
import { runCli } from '../helpers/run-cli';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const TOKEN = 'simulate-token-0123456789abcdef';

describe('simulate: sending deliveries as AppDirect does (over HTTP)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      sources: {
        tok: { auth: { mode: 'token', tokens: [{ name: 'sim', value: TOKEN }] } },
        oa: { auth: { mode: 'oauth2' } },
      },
    });
  });
  after(() => server.close());

  const file = () => ({ file: 'subscription-added.json', body: Buffer.from(JSON.stringify(delivery())) });

  it('builds the webhook URL from a base URL or keeps a full one', () => {
    assert.equal(webhookUrlFor('https://h.example/', 'shop'), 'https://h.example/webhooks/shop');
    assert.equal(webhookUrlFor('https://h.example/prefix', 'shop'), 'https://h.example/prefix/webhooks/shop');
    assert.equal(webhookUrlFor('https://h.example/webhooks/shop', 'shop'), 'https://h.example/webhooks/shop');
    assert.equal(webhookUrlFor('https://h.example/webhooks/shop'), 'https://h.example/webhooks/shop');
    // A --source that the URL contradicts is not silently ignored, and a base URL needs one.
    assert.throws(() => webhookUrlFor('https://h.example/webhooks/other', 'shop'), /CLI_INVALID_OPTION|--source shop differs/);
    assert.throws(() => webhookUrlFor('https://h.example/'), /--source is required/);
  });

  it('the CLI takes a full URL without --source and reports each file by the path given', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-simulate-'));
    try {
      for (const sub of ['a', 'b']) {
        mkdirSync(join(dir, sub));
        writeFileSync(join(dir, sub, 'added.json'), JSON.stringify(delivery()));
      }
      const files = [join(dir, 'a', 'added.json'), join(dir, 'b', 'added.json')];
      const r = await runCli(['simulate', ...files, '--url', `${server.url}/webhooks/tok`, '--auth', 'token'], {
        env: { APPDIRECT_SYNC_SIMULATE_TOKEN: TOKEN },
      });
      assert.equal(r.code, 0, r.stderr);
      for (const f of files) assert.ok(r.stdout.includes(`${f} attempt=1/7 status=200 result=accepted`), r.stdout);
      const contradicted = await runCli(['simulate', files[0] as string, '--url', `${server.url}/webhooks/tok`, '--source', 'oa']);
      assert.equal(contradicted.code, 1);
      assert.match(contradicted.stderr, /^CLI_INVALID_OPTION: --source oa differs/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('token mode ends in accepted; a wrong token is retried and given up', async () => {
    const lines: string[] = [];
    const [good] = await simulateDeliveries({
      webhookUrl: webhookUrlFor(server.url, 'tok'),
      auth: { mode: 'token', token: TOKEN },
      deliveries: [file()],
      report: (l) => lines.push(l),
    });
    assert.equal(good?.accepted, true);
    assert.deepEqual(lines, ['subscription-added.json attempt=1/7 status=200 result=accepted']);
    const [bad] = await simulateDeliveries({
      webhookUrl: webhookUrlFor(server.url, 'tok'),
      auth: { mode: 'token', token: 'wrong-token-0123456789' },
      deliveries: [file()],
      retrySchedule: [1, 1],
      timeScale: 0.001,
    });
    assert.equal(bad?.accepted, false);
    assert.deepEqual(
      bad?.attempts.map((a) => `${a.status} ${a.result}`),
      Array(3).fill('401 RECEIVER_BAD_TOKEN'),
    );
  });

  for (const grant of ['client_credentials', 'password'] as const) {
    for (const clientAuth of ['header', 'body'] as const) {
      it(`oauth2 ${grant} (client auth in ${clientAuth}) ends in accepted, reusing one token`, async () => {
        const admin = adminFor(server);
        const client = await admin.addClient('oa', undefined, [grant]);
        const user = await admin.addUser('oa', `u-${grant}-${clientAuth}`);
        const tokens = new Oauth2TokenSource({
          grant,
          tokenUrl: `${server.url}/oauth/token`,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          username: user.username,
          password: user.password,
          scope: 'webhooks',
          clientAuth,
        });
        const outcomes = await simulateDeliveries({
          webhookUrl: webhookUrlFor(server.url, 'oa'),
          auth: { mode: 'oauth2', tokens },
          deliveries: [file(), file()],
        });
        assert.deepEqual(
          outcomes.map((o) => [o.accepted, o.attempts.at(-1)?.result]),
          [
            [true, 'accepted'],
            [true, 'accepted'],
          ],
        );
        const issued = await server.runtime.db('oauth_tokens').where({ client_id: client.clientId }).count({ n: '*' });
        assert.equal(Number(issued[0]?.n), 1, 'the token is cached across deliveries');
      });
    }
  }

  it('after a 401 it fetches a fresh token for the next attempt', async () => {
    const client = await adminFor(server).addClient('oa');
    const tokens = new Oauth2TokenSource({
      grant: 'client_credentials',
      tokenUrl: `${server.url}/oauth/token`,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    });
    const webhookUrl = webhookUrlFor(server.url, 'oa');
    const [first] = await simulateDeliveries({ webhookUrl, auth: { mode: 'oauth2', tokens }, deliveries: [file()] });
    assert.equal(first?.accepted, true);
    await new KnexOauthTokenStore(server.runtime.db).revokeByClient(client.clientId, new Date());
    const [second] = await simulateDeliveries({
      webhookUrl,
      auth: { mode: 'oauth2', tokens },
      deliveries: [file()],
      retrySchedule: [1],
      timeScale: 0.001,
    });
    assert.deepEqual(
      second?.attempts.map((a) => `${a.status} ${a.result}`),
      ['401 AUTH_INVALID_TOKEN', '200 accepted'],
    );
  });

  it('a failed token request is a failed attempt', async () => {
    const client = await adminFor(server).addClient('oa');
    const tokens = new Oauth2TokenSource({
      grant: 'client_credentials',
      tokenUrl: `${server.url}/oauth/token`,
      clientId: client.clientId,
      clientSecret: 'not-the-secret',
    });
    const [outcome] = await simulateDeliveries({
      webhookUrl: webhookUrlFor(server.url, 'oa'),
      auth: { mode: 'oauth2', tokens },
      deliveries: [file()],
      retrySchedule: [],
    });
    assert.equal(outcome?.accepted, false);
    assert.equal(outcome?.attempts[0]?.result, 'token-request-failed(401 invalid_client)');
  });
});

describe('simulate: retries on the (compressed) schedule', () => {
  let flaky: Server;
  let url: string;
  const seen: number[] = [];
  let failuresLeft = 2;

  before(async () => {
    flaky = createServer((req, res) => {
      seen.push(Date.now());
      req.resume();
      req.on('end', () => {
        if (failuresLeft-- > 0)
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"RECEIVER_STORE_UNAVAILABLE"}}');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted","id":1}');
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => flaky.close(resolve)));

  it('fails twice, then is accepted on the third attempt after the scaled delays', async () => {
    const lines: string[] = [];
    const started = Date.now();
    const [outcome] = await simulateDeliveries({
      webhookUrl: webhookUrlFor(url, 'shop'),
      auth: { mode: 'none' },
      deliveries: [{ file: 'd.json', body: Buffer.from(JSON.stringify(delivery())) }],
      timeScale: 0.001, // AppDirect's 300 s and 600 s become 0.3 s and 0.6 s
      report: (l) => lines.push(l),
    });
    assert.equal(outcome?.accepted, true);
    assert.deepEqual(lines, [
      'd.json attempt=1/7 status=503 result=RECEIVER_STORE_UNAVAILABLE retry in 0.3s (AppDirect: 300s)',
      'd.json attempt=2/7 status=503 result=RECEIVER_STORE_UNAVAILABLE retry in 0.6s (AppDirect: 600s)',
      'd.json attempt=3/7 status=200 result=accepted',
    ]);
    assert.equal(seen.length, 3);
    assert.ok((seen[1] ?? 0) - (seen[0] ?? 0) >= 290, 'first retry waited 300 s scaled');
    assert.ok((seen[2] ?? 0) - (seen[1] ?? 0) >= 590, 'second retry waited 600 s scaled');
    assert.ok(Date.now() - started < 5000);
  });

  it('counts a refused connection as a failed attempt', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const [outcome] = await simulateDeliveries({
      webhookUrl: `http://127.0.0.1:${port}/webhooks/shop`,
      auth: { mode: 'none' },
      deliveries: [{ file: 'd.json', body: Buffer.from('{}') }],
      retrySchedule: [1],
      timeScale: 0.001,
    });
    assert.equal(outcome?.accepted, false);
    assert.deepEqual(
      outcome?.attempts.map((a) => [a.status, a.result]),
      [
        [undefined, 'ECONNREFUSED'],
        [undefined, 'ECONNREFUSED'],
      ],
    );
  });
});
