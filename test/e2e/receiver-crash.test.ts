import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/config/config-schema';
import { createKnex } from '../../src/db/create-knex';
import { delivery } from '../helpers/test-runtime';
import { startServiceProcess, type ServiceProcess } from '../../bench/lib/service-process';

/** Posts deliveries from `concurrency` loops until `stop()`; records the uuids answered 200 accepted. */
function loadGenerator(svc: ServiceProcess, concurrency: number) {
  const acked: string[] = [];
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const d = delivery();
      sent++;
      try {
        const res = await fetch(`${svc.url}/webhooks/open`, { method: 'POST', body: JSON.stringify(d) });
        const body = (await res.json()) as { status?: string };
        if (res.status === 200 && body.status === 'accepted') acked.push(d.uuid as string);
      } catch {
        // The connection died with the process: not acknowledged, so AppDirect would retry it.
      }
    }
  });
  return {
    acked,
    sent: () => sent,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('receiver process (e2e)', function () {
  this.timeout(60_000);
  let dir: string;
  const config = () => ({ db: { client: 'sqlite', filename: join(dir, 'inbox.db') }, sources: { open: { auth: { mode: 'none' } } } });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-e2e-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function storedUuids(): Promise<Set<string>> {
    const db = createKnex(configSchema.parse(config()).db);
    try {
      const rows = (await db('inbox_events').select('delivery_uuid')) as { delivery_uuid: string }[];
      return new Set(rows.map((r) => r.delivery_uuid));
    } finally {
      await db.destroy();
    }
  }

  it('loses no acknowledged delivery when killed with SIGKILL mid-load', async () => {
    const svc = await startServiceProcess(dir, config());
    const load = loadGenerator(svc, 32);
    while (load.acked.length < 300) await new Promise((r) => setTimeout(r, 20));
    svc.child.kill('SIGKILL');
    assert.equal(await svc.exited, 'SIGKILL');
    await load.stop();
    assert.ok(load.sent() > load.acked.length, 'some deliveries were in flight at the kill');

    const restarted = await startServiceProcess(dir, config());
    const ready = await fetch(`${restarted.url}/readyz`);
    assert.equal(ready.status, 200);
    restarted.child.kill('SIGTERM');
    await restarted.exited;

    const stored = await storedUuids();
    const lost = load.acked.filter((u) => !stored.has(u));
    assert.deepEqual(lost, [], `${lost.length} of ${load.acked.length} acknowledged deliveries were lost`);
  });

  it('finishes in-flight deliveries and their commits on SIGTERM, then exits 0', async () => {
    const svc = await startServiceProcess(dir, config());
    const load = loadGenerator(svc, 16);
    while (load.acked.length < 100) await new Promise((r) => setTimeout(r, 20));
    svc.child.kill('SIGTERM');
    assert.equal(await svc.exited, 0, svc.output());
    await load.stop();
    const stored = await storedUuids();
    assert.deepEqual(
      load.acked.filter((u) => !stored.has(u)),
      [],
    );
    assert.match(svc.output(), /"msg":"stopped"/);
  });
});
