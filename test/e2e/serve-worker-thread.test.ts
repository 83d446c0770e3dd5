import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../../bench/lib/service-process';
import { createKnex } from '../../src/db/create-knex';
import { delivery } from '../helpers/test-runtime';

/** `npm start`'s process with worker.thread on: the built thread entry (dist) applies, and SIGTERM ends it cleanly. */
describe('serve with worker.thread, as a real process (e2e)', function () {
  this.timeout(120_000);
  let dir: string;
  let svc: ServiceProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-serve-thread-'));
  });
  after(() => {
    svc?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies what it received on the thread, then stops on SIGTERM with exit code 0', async () => {
    const filename = join(dir, 'serve.db');
    svc = await startServiceProcess(dir, {
      db: { client: 'sqlite', filename },
      log: { level: 'info' },
      sources: { shop: { auth: { mode: 'none' } } },
      worker: { thread: true },
    });
    for (let i = 0; i < 20; i++) {
      // A resource of its own each, so every event ends done (not stale behind another).
      const resource = { ...(delivery().resource as object), uuid: `sub-${i}` };
      const res = await fetch(`${svc.url}/webhooks/shop`, { method: 'POST', body: JSON.stringify(delivery({ resource })) });
      assert.equal(res.status, 200);
    }
    const db = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [row] = (await db('inbox_events').where({ status: 'done' }).count({ n: '*' })) as { n: number }[];
        if (Number(row?.n) === 20) break;
        assert.ok(Date.now() < deadline, `only ${String(row?.n)} of 20 events done within 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await db.destroy();
    }
    svc.child.kill('SIGTERM');
    assert.equal(await svc.exited, 0);
    assert.doesNotMatch(svc.output(), /worker thread (failed|exited|could not start)/);
  });
});
