import assert from 'node:assert/strict';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

describe('receiver when the store is unavailable', () => {
  let server: TestServer;

  before(async () => {
    // A short deadline: the receiver waits for the lock until shortly before it (receiver-lock-wait.test.ts).
    server = await startTestServer({ server: { requestTimeoutMs: 1000 }, sources: { open: { auth: { mode: 'none' } } } });
  });
  after(() => server.close());

  it('answers 503 with Retry-After, never 200, and accepts again once the lock is gone', async () => {
    // Lock the database the way a stuck writer would: another connection holds the write lock.
    const Database = (await import('better-sqlite3')).default;
    const other = new Database(server.runtime.config.db.filename);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      const res = await fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '30');
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'RECEIVER_STORE_UNAVAILABLE');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const after = await fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) });
    assert.equal(after.status, 200);
  });
});
