import assert from 'node:assert/strict';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { startDownstream, type Downstream } from '../connectors/connector-fixtures';
import { forEachDatabase } from '../helpers/test-databases';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { engineHarness } from '../helpers/worker-harness';

type Body = Record<string, unknown>;

// Issue 15: parked changes in the admin API: read with admin:read, retry and skip with admin:write, audited.
forEachDatabase('admin API: parked connector changes', (ctx) => {
  let server: TestServer;
  let downstream: Downstream;
  const refused = new Set(['w-1', 'w-2']);
  const keys: Record<string, string> = {};

  before(async () => {
    await ctx.clean();
    const h = await engineHarness({}, ctx.db);
    await h.accept(
      [1, 2, 3].map((i) => ({ uuid: `e-${i}`, key: `w-${i}`, action: 'ADDED' as const, timestamp: i, name: `W${i}`, qty: i })),
    );
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
    await h.close();
    downstream = await startDownstream((r) => (refused.has(r.path.split('/').pop() ?? '') ? 409 : 200));
    const store = new KnexApiKeyStore(ctx.db);
    const scopes: Record<string, ApiScope[]> = { reader: ['admin:read'], writer: ['admin:read', 'admin:write'], metrics: ['metrics:read'] };
    for (const [name, s] of Object.entries(scopes)) {
      const k = newApiKey();
      await store.create({ id: k.id, name, keySha256: k.keySha256, scopes: s }, new Date());
      keys[name] = k.key;
    }
    server = await startTestServer({
      db: ctx.config,
      connectors: { crm: { type: 'http', mode: 'record', url: `${downstream.url}/w/{key}`, retry: { attempts: 1 } } },
    });
    assert.equal((await server.runtime.connectors.run('crm')).status, 'ok');
  });
  after(async () => {
    await server?.close();
    await downstream?.close();
  });

  async function call(method: string, path: string, who: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const headers: Record<string, string> = { authorization: `Bearer ${keys[who]}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}/api/v1/admin/connectors${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  }

  it('counts parked changes by connector in the metrics', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${keys.metrics}` } });
    assert.match(await res.text(), /^appdirect_sync_connector_parked_changes_total\{connector="crm"\} 2$/m);
  });

  it('lists and shows parked changes with admin:read; retry and skip need admin:write and are audited', async () => {
    const list = await call('GET', '/crm/failures', 'reader');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const failures = list.body.failures as Array<{ id: number; key: string; status: number; response: string; state: string }>;
    assert.deepEqual(
      failures.map((f) => [f.key, f.status, f.state, f.response]),
      [
        ['w-1', 409, 'parked', '{"ok":false}'],
        ['w-2', 409, 'parked', '{"ok":false}'],
      ],
    );
    const [f1, f2] = failures as unknown as [{ id: number }, { id: number }];
    assert.equal((await call('GET', `/crm/failures/${f1.id}`, 'reader')).status, 200);
    assert.equal((await call('POST', `/crm/failures/${f1.id}/skip`, 'reader')).status, 403);
    const missing = await call('GET', '/crm/failures/999999', 'reader');
    assert.deepEqual([missing.status, (missing.body.error as { code: string }).code], [404, 'CONNECTOR_FAILURE_NOT_FOUND']);
    assert.equal((await call('GET', '/nope/failures', 'reader')).status, 404);
    assert.equal((await call('GET', '/crm/failures?state=bogus', 'reader')).status, 400);

    refused.delete('w-1');
    const retried = await call('POST', `/crm/failures/${f1.id}/retry`, 'writer', {});
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal((retried.body.failure as { state: string }).state, 'retried');
    const skipped = await call('POST', `/crm/failures/${f2.id}/skip`, 'writer');
    assert.equal((skipped.body.failure as { state: string }).state, 'skipped');
    assert.equal((await call('POST', `/crm/failures/${f2.id}/skip`, 'writer')).status, 409, 'not twice');

    assert.deepEqual(((await call('GET', '/crm/failures', 'reader')).body.failures as unknown[]).length, 0);
    assert.deepEqual(((await call('GET', '/crm/failures?state=all', 'reader')).body.failures as unknown[]).length, 2);
    const audit = (await ctx.db('admin_audit').orderBy('id')) as Array<{ route: string; key_name: string; affected: string }>;
    assert.deepEqual(
      audit.map((a) => [a.route, a.key_name, (JSON.parse(a.affected) as { state: string }).state]),
      [
        ['POST /connectors/:name/failures/:id/retry', 'writer', 'retried'],
        ['POST /connectors/:name/failures/:id/skip', 'writer', 'skipped'],
      ],
    );
  });
});
