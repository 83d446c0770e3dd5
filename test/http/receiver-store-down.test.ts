import assert from 'node:assert/strict';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

describe('receiver when the store is unavailable', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ sources: { open: { auth: { mode: 'none' } } } });
  });
  after(() => server.close());

  it('answers 503 with Retry-After, never 200, and accepts again once the lock is gone', async () => {
    // Lock the database the way a stuck writer would: another connection holds the write lock.
    const Database = (await import('better-sqlite3')).default;
    const other = new Database(server.runtime.config.db.filename);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    await server.runtime.db.raw('PRAGMA busy_timeout = 50');
    try {
      const res = await fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '30');
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'RECEIVER_STORE_UNAVAILABLE');
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await server.runtime.db.raw('PRAGMA busy_timeout = 5000');
    }
    const after = await fetch(`${server.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(delivery()) });
    assert.equal(after.status, 200);
  });
});
