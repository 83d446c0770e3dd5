import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';
import type { InboxStore } from '../../src/inbox/inbox-store';

const TOKEN = 'client-errors-token-0123456789';

/**
 * Issue 11 item 9: every client mistake in a body's encoding, charset, form or query is a 4xx with a catalogued
 * code of the route's family (RECEIVER_* on webhooks only), recorded when the sender was authenticated, and
 * never logged at error level.
 */
describe('client mistakes answered 4xx with catalogued codes (over HTTP)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let store: InboxStore;
  let feedKey: string;
  const logLines: { level: number; msg: string }[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        logLines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });

  before(async () => {
    server = await startTestServer(
      { sources: { shop: { auth: { mode: 'token', tokens: [{ name: 't', value: TOKEN }] } }, sso: { auth: { mode: 'oauth2' } } } },
      undefined,
      pino({ level: 'info' }, logStream),
    );
    store = createInboxStore(server.runtime.db);
    const k = newApiKey();
    await new KnexApiKeyStore(server.runtime.db).create(
      { id: k.id, name: 'feed', keySha256: k.keySha256, scopes: ['feed:read'] },
      new Date(),
    );
    feedKey = k.key;
  });
  after(() => server.close());
  beforeEach(() => {
    logLines.length = 0;
  });
  afterEach(() => {
    const errors = logLines.filter((l) => l.level >= 50);
    assert.deepEqual(
      errors.map((l) => l.msg),
      [],
      'no error-level log line for a client mistake',
    );
  });

  async function send(path: string, headers: Record<string, string>, body: string | Buffer) {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
    const json = (await res.json()) as { error?: { code: string } | string; error_description?: string };
    return { status: res.status, json };
  }

  async function webhook(headers: Record<string, string>, body: string | Buffer) {
    const res = await send('/webhooks/shop', { 'x-appdirect-webhook-token': TOKEN, 'content-type': 'application/json', ...headers }, body);
    const code = typeof res.json.error === 'object' ? res.json.error.code : undefined;
    return { status: res.status, code };
  }

  async function assertRecorded(code: string) {
    const [latest] = await store.listRejections(1);
    assert.equal(latest?.errorCode, code);
    assert.equal(latest?.principal, 'token:t');
  }

  const body = () => JSON.stringify(delivery());

  for (const encoding of ['br', 'xyz']) {
    it(`webhook with Content-Encoding ${encoding}: 415 RECEIVER_UNSUPPORTED_ENCODING, recorded`, async () => {
      assert.deepEqual(await webhook({ 'content-encoding': encoding }, body()), { status: 415, code: 'RECEIVER_UNSUPPORTED_ENCODING' });
      await assertRecorded('RECEIVER_UNSUPPORTED_ENCODING');
    });
  }

  it('webhook with corrupt gzip: 400 RECEIVER_BODY_UNREADABLE, recorded; valid gzip is accepted', async () => {
    const zipped = gzipSync(body());
    assert.equal((await webhook({ 'content-encoding': 'gzip' }, zipped)).status, 200);
    const corrupt = Buffer.concat([zipped.subarray(0, 10), Buffer.from('not deflate data at all'), zipped.subarray(10)]);
    assert.deepEqual(await webhook({ 'content-encoding': 'gzip' }, corrupt), { status: 400, code: 'RECEIVER_BODY_UNREADABLE' });
    await assertRecorded('RECEIVER_BODY_UNREADABLE');
  });

  for (const charset of ['utf-16', 'x-unknown-charset']) {
    it(`webhook declaring charset=${charset}: 415 RECEIVER_UNSUPPORTED_CHARSET, recorded; utf-8 is accepted`, async () => {
      assert.equal((await webhook({ 'content-type': 'application/json; charset=UTF-8' }, body())).status, 200);
      const declared = { 'content-type': `application/json; charset=${charset}` };
      assert.deepEqual(await webhook(declared, body()), { status: 415, code: 'RECEIVER_UNSUPPORTED_CHARSET' });
      await assertRecorded('RECEIVER_UNSUPPORTED_CHARSET');
    });
  }

  it('a client aborting its upload is logged at info, not error, and the server keeps serving', async () => {
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /webhooks/shop HTTP/1.1\r\nHost: x\r\nx-appdirect-webhook-token: ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"uuid":`,
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    // The server notices the abort on its side a moment later.
    for (let i = 0; i < 50 && !logLines.some((l) => l.msg === 'request body unreadable'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(logLines.some((l) => l.msg === 'request body unreadable' && l.level === 30));
    assert.equal((await webhook({}, body())).status, 200);
  });

  it('token endpoint: over 20 form parameters, an unknown charset or encoding are RFC 6749 invalid_request', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const many = Array.from({ length: 25 }, (_, i) => `p${i}=v`).join('&');
    for (const [headers, sent] of [
      [form, many],
      [{ 'content-type': 'application/x-www-form-urlencoded; charset=x-unknown' }, 'grant_type=client_credentials'],
      [{ ...form, 'content-encoding': 'br' }, 'grant_type=client_credentials'],
    ] as const) {
      const res = await send('/oauth/token', headers, sent);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.error, 'invalid_request');
      assert.ok(res.json.error_description);
    }
  });

  it('feed API: body mistakes answer HTTP_* codes, never RECEIVER_*', async () => {
    const auth = { authorization: `Bearer ${feedKey}` };
    const cases: [Record<string, string>, string, number, string][] = [
      [{ 'content-type': 'application/json' }, '{"cursor":', 400, 'HTTP_MALFORMED_JSON'],
      [{ 'content-type': 'application/json; charset=x-unknown' }, '{"cursor":"0"}', 415, 'HTTP_UNSUPPORTED_CHARSET'],
      [{ 'content-type': 'application/json', 'content-encoding': 'br' }, '{"cursor":"0"}', 415, 'HTTP_UNSUPPORTED_ENCODING'],
      [{ 'content-type': 'application/json' }, JSON.stringify({ cursor: '0', pad: 'x'.repeat(20_000) }), 413, 'HTTP_BODY_TOO_LARGE'],
    ];
    for (const [headers, sent, status, code] of cases) {
      const res = await send('/api/v1/consumers/c1/ack', { ...auth, ...headers }, sent);
      assert.deepEqual({ status: res.status, code: (res.json.error as { code: string }).code }, { status, code });
    }
  });

  it('feed API: an entity filter with NUL, or more than 100 of them, is 400 API_BAD_REQUEST (NUL was a 500 on PostgreSQL)', async () => {
    for (const query of ['entity=%00', `entity=${Array.from({ length: 101 }, (_, i) => `e${i}`).join(',')}`, `entity=${'x'.repeat(129)}`]) {
      const res = await fetch(`${server.url}/api/v1/changes?${query}`, { headers: { authorization: `Bearer ${feedKey}` } });
      const json = (await res.json()) as { error?: { code: string } };
      assert.equal(res.status, 400, query.slice(0, 30));
      assert.equal(json.error?.code, 'API_BAD_REQUEST');
    }
    assert.equal(
      (await fetch(`${server.url}/api/v1/changes?entity=order,company`, { headers: { authorization: `Bearer ${feedKey}` } })).status,
      200,
    );
  });
});
