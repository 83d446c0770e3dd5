import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const GOOD = 'tok-current-0123456789abcdef';
const OLD = 'tok-previous-0123456789abcdef';
const OTHER = 'tok-other-source-0123456789ab';

describe('receiver with token auth (over HTTP)', () => {
  let server: TestServer;
  const clock = new FakeClock(new Date('2026-11-27T00:00:00Z'));

  before(async () => {
    server = await startTestServer(
      {
        sources: {
          shop: {
            auth: {
              mode: 'token',
              tokens: [
                { name: 'current', value: GOOD },
                { name: 'previous', value: OLD, expiresAt: '2026-11-28T00:00:00Z' },
              ],
            },
          },
          other: { auth: { mode: 'token', tokens: [{ name: 'o', value: OTHER }] } },
        },
      },
      clock,
    );
  });
  after(() => server.close());

  async function post(token: string | undefined, body: unknown, header = 'x-appdirect-webhook-token') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers[header] = token;
    const res = await fetch(`${server.url}/webhooks/shop`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  }

  it('accepts the current token and the legacy header spelling', async () => {
    const a = await post(GOOD, delivery());
    assert.equal(a.status, 200);
    assert.equal(a.body.status, 'accepted');
    const b = await post(GOOD, delivery(), 'AppDirect-Webhook-Token');
    assert.equal(b.status, 200);
    assert.equal(b.body.status, 'accepted');
  });

  it('accepts a rotated-out token until its expiry, then refuses it', async () => {
    assert.equal((await post(OLD, delivery())).status, 200);
    clock.advance(2 * 24 * 3600 * 1000);
    const late = await post(OLD, delivery());
    assert.equal(late.status, 401);
    assert.equal(late.body.error.code, 'RECEIVER_BAD_TOKEN');
  });

  it('refuses a missing, wrong or other-source token with 401', async () => {
    const missing = await post(undefined, delivery());
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'RECEIVER_MISSING_TOKEN');
    assert.equal((await post('wrong-token-0123456789', delivery())).body.error.code, 'RECEIVER_BAD_TOKEN');
    assert.equal((await post(OTHER, delivery())).status, 401);
    assert.equal((await post(`Bearer ${GOOD}`, delivery())).status, 401);
  });
});
