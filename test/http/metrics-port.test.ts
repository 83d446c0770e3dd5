import assert from 'node:assert/strict';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { configSchema } from '../../src/config/config-schema';
import { parsePromText, sampleValue } from '../helpers/prom-text';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

/** Issue 13: `metrics.port`, a listener of its own that serves /metrics alone, without an API key. */
describe('metrics.port', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  async function start(metrics: Record<string, unknown>): Promise<{ server: TestServer; metricsUrl: string }> {
    const server = await startTestServer({ metrics: { port: 0, ...metrics } });
    servers.push(server);
    const address = server.runtime.metricsAddress();
    assert.ok(address, 'the metrics listener is up');
    assert.equal(address.address, '127.0.0.1', 'bound to localhost by default');
    return { server, metricsUrl: `http://127.0.0.1:${address.port}` };
  }

  it('serves /metrics without a key on its own port, nothing else there, and moves it off the main port by default', async () => {
    const { server, metricsUrl } = await start({});
    const res = await fetch(`${metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    const samples = parsePromText(await res.text());
    assert.equal(sampleValue(samples, 'appdirect_sync_change_log_head'), 0);
    assert.ok(sampleValue(samples, 'process_cpu_user_seconds_total') !== undefined);
    const other = await fetch(`${metricsUrl}/api/v1/admin/events`);
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'HTTP_NOT_FOUND');
    assert.equal((await fetch(`${metricsUrl}/healthz`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404, 'the main port no longer serves /metrics');
  });

  it('keeps /metrics on the main port, behind metrics:read, with mainPort true', async () => {
    const { server, metricsUrl } = await start({ mainPort: true });
    assert.equal((await fetch(`${metricsUrl}/metrics`)).status, 200);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    const k = newApiKey();
    await new KnexApiKeyStore(server.runtime.db).create(
      { id: k.id, name: 'prom', keySha256: k.keySha256, scopes: ['metrics:read'] },
      new Date(),
    );
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${k.key}` } })).status, 200);
  });

  it('refuses mainPort false without a port: /metrics would be served nowhere', () => {
    const r = configSchema.safeParse({ metrics: { mainPort: false } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['metrics', 'mainPort']);
    assert.equal(configSchema.safeParse({ metrics: { mainPort: false, port: 9464 } }).success, true);
  });
});
