import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const REQUEST_TIMEOUT_MS = 1500;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('receiver while another process holds the SQLite write lock', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ server: { requestTimeoutMs: REQUEST_TIMEOUT_MS }, sources: { open: { auth: { mode: 'none' } } } });
  });
  after(() => server.close());

  it('answers 503 with Retry-After within requestTimeoutMs, keeps /healthz instant, and accepts once the lock is gone', async () => {
    // A second connection (as another process would) takes the write lock and keeps it longer than the deadline.
    const other = new Database(server.runtime.config.db.filename);
    other.exec('BEGIN IMMEDIATE');
    try {
      const post = () => fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) });
      const webhooks = [timed(post), timed(post), timed(post)];
      // While those wait for the lock, the event loop is never stopped: a timer fires on time, requests answer at once.
      const pause = await timed(() => new Promise((r) => setTimeout(r, 300)));
      assert.ok(pause.ms < 450, `a 300 ms timer fired after ${Math.round(pause.ms)} ms`);
      // One more arrives while the first batch waits: it forms the next batch and keeps its own deadline.
      webhooks.push(timed(post));
      for (let i = 0; i < 3; i++) {
        const health = await timed(() => fetch(`${server.url}/healthz`));
        assert.equal(health.value.status, 200);
        assert.ok(health.ms < 200, `/healthz took ${Math.round(health.ms)} ms`);
        // Readers do not wait for the writer in WAL mode, nor for the receiver's commit between its attempts.
        const ready = await timed(() => fetch(`${server.url}/readyz`));
        assert.equal(ready.value.status, 200);
        assert.ok(ready.ms < 200, `/readyz took ${Math.round(ready.ms)} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const { value: res, ms } of await Promise.all(webhooks)) {
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '30');
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'RECEIVER_STORE_UNAVAILABLE');
        assert.ok(ms < REQUEST_TIMEOUT_MS + 1000, `answered after ${Math.round(ms)} ms`);
        assert.ok(ms > REQUEST_TIMEOUT_MS / 2, `gave up after ${Math.round(ms)} ms, before waiting for the lock`);
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const next = await fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) });
    assert.equal(next.status, 200);
  });

  it('accepts a delivery that waited for a lock released before its deadline', async () => {
    const other = new Database(server.runtime.config.db.filename);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => {
      other.exec('COMMIT');
      other.close();
    }, 400);
    const res = await timed(() => fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) }));
    assert.equal(res.value.status, 200);
    assert.ok(res.ms >= 350, `accepted after ${Math.round(res.ms)} ms, while the lock was held`);
  });

  it('answers an API write that meets the lock 503 HTTP_STORE_UNAVAILABLE with Retry-After, not 500', async () => {
    const key = newApiKey();
    await new KnexApiKeyStore(server.runtime.db).create(
      { id: key.id, name: 'crm', keySha256: key.keySha256, scopes: ['feed:read'] },
      new Date(),
    );
    const other = new Database(server.runtime.config.db.filename);
    other.exec('BEGIN IMMEDIATE');
    try {
      // A named consumer's first read registers it: a write.
      const res = await fetch(`${server.url}/api/v1/consumers/crm/changes`, { headers: { authorization: `Bearer ${key.key}` } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'HTTP_STORE_UNAVAILABLE');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const after = await fetch(`${server.url}/api/v1/consumers/crm/changes`, { headers: { authorization: `Bearer ${key.key}` } });
    assert.equal(after.status, 200);
  });
});
