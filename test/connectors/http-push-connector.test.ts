import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { KnexOauthTokenStore } from '../../src/auth/knex-oauth-token-store';
import type { IssuedClient } from '../../src/auth/oauth-admin-service';
import type { ConnectorConfig } from '../../src/config/connector-schema';
import { consumerNameOf } from '../../src/connectors/connector';
import { ConnectorRunner } from '../../src/connectors/connector-runner';
import { createConnector } from '../../src/connectors/create-connectors';
import { Oauth2ClientToken } from '../../src/connectors/oauth2-client-token';
import type { Change } from '../../src/feed/change-feed';
import { adminFor } from '../helpers/oauth-fixtures';
import { testConfig, startTestServer, type TestServer } from '../helpers/test-runtime';
import { engineHarness, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { drain, silentLogger, startDownstream, type Downstream, type ReceivedRequest, connectorDeps } from './connector-fixtures';

const FAST_RETRY = { attempts: 5, baseMs: 1, maxMs: 5 };

function connectorConfig(name: string, raw: Record<string, unknown>): ConnectorConfig {
  const config = testConfig({ connectors: { [name]: raw } }).connectors[name];
  assert.ok(config);
  return config;
}

function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
}

/** Requests grouped by Idempotency-Key, in the order the keys first appeared. */
function byKey(requests: ReceivedRequest[]): Map<string, ReceivedRequest[]> {
  const groups = new Map<string, ReceivedRequest[]>();
  for (const r of requests) {
    const key = r.headers['idempotency-key'];
    assert.equal(typeof key, 'string', `request ${r.n} carries an Idempotency-Key`);
    groups.set(key as string, [...(groups.get(key as string) ?? []), r]);
  }
  return groups;
}

/** Every key was taken exactly once (its last request), after only failed tries, all with the same request. */
function assertRetriesOnlyWithSameKey(requests: ReceivedRequest[]): void {
  for (const [key, tries] of byKey(requests)) {
    const ok = tries.filter((t) => t.status < 300 || t.status === 404);
    assert.equal(ok.length, 1, `${key} was taken exactly once`);
    assert.equal(tries[tries.length - 1], ok[0], `${key}: no send after it was taken`);
    for (const t of tries)
      assert.deepEqual(
        [t.method, t.path, t.body],
        [tries[0]?.method, tries[0]?.path, tries[0]?.body],
        `${key}: a retry is the same request`,
      );
  }
}

describe('http push connector against a real downstream', function () {
  this.timeout(60_000);
  let server: TestServer;
  let client: IssuedClient;
  let harness: EngineHarness;
  let changes: Change[];
  let downstream: Downstream | undefined;

  before(async () => {
    server = await startTestServer({ sources: { shop: { auth: { mode: 'oauth2' } } } });
    client = await adminFor(server).addClient('shop', 'crm connector');
    harness = await engineHarness({}, server.runtime.db);
    const events: WidgetEvent[] = [];
    for (let i = 0; i < 14; i++)
      events.push({ uuid: `a-${i}`, key: `w-${i}`, action: 'ADDED', timestamp: 1000 + i, name: `Widget ${i}`, qty: i });
    for (let i = 0; i < 14; i += 3)
      events.push({ uuid: `c-${i}`, key: `w-${i}`, action: 'CHANGED', timestamp: 2000 + i, name: `Widget ${i}, renamed`, qty: i * 10 });
    events.push({ uuid: 'r-4', key: 'w-4', action: 'REMOVED', timestamp: 3000, name: '', qty: 0 });
    await harness.accept(events);
    await drain(harness.newWorker());
    changes = (await server.runtime.feed.read('0', { limit: 1000 })).changes;
    assert.equal(changes.length, 14 + 5 + 1);
  });
  afterEach(async () => {
    await downstream?.close();
    downstream = undefined;
  });
  after(async () => {
    await harness.close();
    await server.close();
  });

  const checkpointOf = async (name: string) => (await server.runtime.feed.readFor(consumerNameOf(name), { limit: 1 })).consumer.cursor;
  const connector = (name: string, raw: Record<string, unknown>) =>
    createConnector(name, connectorConfig(name, raw), connectorDeps(server.runtime.db, server.runtime.feed));
  const runOnce = (name: string, raw: Record<string, unknown>) =>
    new ConnectorRunner([{ connector: connector(name, raw) }], silentLogger).run(name);

  it('record mode with OAuth2 client credentials: every change in order, retried with its key, a new token after a 401', async () => {
    const tokens = new KnexOauthTokenStore(server.runtime.db);
    const revoked = new Set<string>();
    downstream = await startDownstream(async (r) => {
      const bearer = bearerOf(r.headers);
      const issued = bearer ? await tokens.find(createHash('sha256').update(bearer).digest('hex')) : undefined;
      if (!bearer || !issued || issued.clientId !== client.clientId || issued.revokedAt || revoked.has(bearer)) return 401;
      if (r.n === 4) {
        revoked.add(bearer); // the CRM drops the token it holds: the connector must fetch a new one
        return 401;
      }
      if (r.n % 3 === 0) return 500;
      return r.method === 'DELETE' ? 204 : 200;
    });
    const outcome = await runOnce('crm', {
      type: 'http',
      mode: 'record',
      url: `${downstream.url}/api/widgets/{key}`,
      method: 'PUT',
      entities: ['widget'],
      auth: {
        type: 'oauth2',
        tokenUrl: `${server.url}/oauth/token`,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scope: 'webhooks',
      },
      retry: FAST_RETRY,
    });
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const requests = downstream.requests;
    const taken = requests.filter((r) => r.status < 300);
    assert.deepEqual(
      taken.map((r) => r.headers['idempotency-key']),
      changes.map((c) => `crm:shop:${c.seq}`),
      'each change taken once, in feed order',
    );
    for (const [i, r] of taken.entries()) {
      const c = changes[i] as Change;
      assert.equal(r.path, `/api/widgets/${c.key}`);
      if (c.kind === 'deleted') assert.deepEqual([r.method, r.body], ['DELETE', '']);
      else assert.deepEqual([r.method, JSON.parse(r.body)], ['PUT', c.data]);
      assert.equal(r.headers['x-change-cursor'], String(c.seq));
    }
    assert.ok(
      requests.some((r) => r.status === 500),
      'the downstream failed some requests',
    );
    assertRetriesOnlyWithSameKey(requests);

    const refused = requests[3] as ReceivedRequest;
    const retried = requests[4] as ReceivedRequest;
    assert.equal(refused.status, 401);
    assert.equal(retried.headers['idempotency-key'], refused.headers['idempotency-key'], 'the refused request was sent again');
    assert.notEqual(bearerOf(retried.headers), bearerOf(refused.headers), 'with a new token');
    assert.equal(retried.status, 200);
    const issued = await server.runtime.db('oauth_tokens').where({ client_id: client.clientId }).count({ n: '*' });
    assert.equal(Number(issued[0]?.n), 2, 'one token at first (cached), one after the 401');
    assert.equal(new Set(requests.map((r) => bearerOf(r.headers))).size, 2);

    const last = changes[changes.length - 1] as Change;
    assert.equal(outcome.checkpoint, last.seq);
    assert.equal(await checkpointOf('crm'), last.seq);
  });

  it('batch mode: arrays of up to batchSize changes, a key per batch and per item, checkpoint at the last seq', async () => {
    downstream = await startDownstream((r) =>
      r.headers.authorization !== 'Bearer static-downstream-token' ? 401 : r.n % 3 === 0 ? 503 : 202,
    );
    const outcome = await runOnce('warehouse', {
      type: 'http',
      mode: 'batch',
      url: `${downstream.url}/ingest`,
      batchSize: 7,
      auth: { type: 'bearer', token: 'static-downstream-token' },
      retry: FAST_RETRY,
    });
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const requests = downstream.requests;
    assert.ok(requests.some((r) => r.status === 503));
    assertRetriesOnlyWithSameKey(requests);
    const batches = requests
      .filter((r) => r.status === 202)
      .map((r) => ({ key: r.headers['idempotency-key'], items: JSON.parse(r.body) as Record<string, unknown>[] }));
    assert.deepEqual(
      batches.map((b) => b.items.length),
      [7, 7, 6],
    );
    const items = batches.flatMap((b) => b.items);
    assert.deepEqual(
      items.map((i) => i.cursor),
      changes.map((c) => String(c.seq)),
      'every change once, in order',
    );
    assert.deepEqual(
      items.map((i) => i.idempotency_key),
      changes.map((c) => `warehouse:shop:${c.seq}`),
    );
    for (const b of batches) assert.equal(b.key, `warehouse:${b.items[0]?.cursor}-${b.items[b.items.length - 1]?.cursor}`);
    assert.deepEqual(items[0]?.data, changes[0]?.data);
    assert.equal(await checkpointOf('warehouse'), changes[changes.length - 1]?.seq);
  });

  it('keeps the checkpoint when the downstream keeps failing, after exactly retry.attempts tries', async () => {
    downstream = await startDownstream(() => 503);
    const outcome = await runOnce('down', {
      type: 'http',
      mode: 'batch',
      url: `${downstream.url}/ingest`,
      retry: { attempts: 3, baseMs: 1, maxMs: 2 },
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error?.code, 'CONNECTOR_DELIVERY_FAILED');
    assert.equal(downstream.requests.length, 3);
    assert.equal(await checkpointOf('down'), 0);
  });

  it('record mode: a failure keeps the records already taken, and the next run goes on from there', async () => {
    downstream = await startDownstream((r) => (r.n <= 5 ? 200 : 500));
    const raw = { type: 'http', mode: 'record', url: `${downstream.url}/w/{key}`, retry: { attempts: 2, baseMs: 1, maxMs: 2 } };
    const failed = await runOnce('partial', raw);
    assert.equal(failed.status, 'failed');
    assert.equal(await checkpointOf('partial'), changes[4]?.seq, 'checkpoint after the fifth record, the last one taken');
    await downstream.close();

    downstream = await startDownstream((r) => (r.method === 'DELETE' ? 404 : 201));
    const ok = await runOnce('partial', { ...raw, url: `${downstream.url}/w/{key}` });
    assert.equal(ok.status, 'ok');
    assert.deepEqual(
      downstream.requests.map((r) => r.headers['idempotency-key']),
      changes.slice(5).map((c) => `partial:shop:${c.seq}`),
    );
    assert.equal(await checkpointOf('partial'), changes[changes.length - 1]?.seq, 'a DELETE answered 404 counts as done');
  });

  it('onRefused: stop stops at a 4xx without retrying it, and at a refused static token', async () => {
    downstream = await startDownstream((r) => (r.headers.authorization ? 401 : 422));
    const refused = await runOnce('strict', {
      type: 'http',
      mode: 'record',
      url: `${downstream.url}/w/{key}`,
      retry: FAST_RETRY,
      onRefused: 'stop',
    });
    assert.deepEqual([refused.status, refused.error?.code, downstream.requests.length], ['failed', 'CONNECTOR_REFUSED', 1]);
    const badToken = await runOnce('strict2', {
      type: 'http',
      mode: 'batch',
      url: `${downstream.url}/b`,
      auth: { type: 'bearer', token: 'wrong' },
      retry: FAST_RETRY,
    });
    assert.deepEqual([badToken.status, badToken.error?.code, downstream.requests.length], ['failed', 'CONNECTOR_AUTH_FAILED', 2]);
    assert.equal(await checkpointOf('strict'), 0);
    assert.equal(await checkpointOf('strict2'), 0);
  });

  it('passes over changes of other entities: nothing sent, checkpoint at the head', async () => {
    downstream = await startDownstream(() => 200);
    const outcome = await runOnce('leads-only', { type: 'http', mode: 'batch', url: `${downstream.url}/b`, entities: ['lead'] });
    assert.equal(outcome.status, 'ok');
    assert.equal(downstream.requests.length, 0);
    assert.equal(await checkpointOf('leads-only'), await server.runtime.feed.head());
  });

  it('OAuth2 token: cached until within the refresh margin of its expiry, then requested again', async () => {
    const options = {
      tokenUrl: `${server.url}/oauth/token`,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      clientAuth: 'body' as const,
      timeoutMs: 5000,
    };
    const cached = new Oauth2ClientToken({ ...options, refreshMarginSeconds: 60 });
    const first = await cached.get();
    assert.equal(await cached.get(), first);
    assert.equal(await cached.get(), first);
    assert.equal(cached.fetched, 1);
    cached.refused('some-older-token');
    assert.equal(await cached.get(), first, 'a 401 for a token no longer cached does not drop the current one');
    cached.refused(first);
    assert.notEqual(await cached.get(), first);
    assert.equal(cached.fetched, 2);
    // Tokens of this endpoint live auth.tokenTtlSeconds (3600 s): with a larger margin each is "about to expire".
    const eager = new Oauth2ClientToken({ ...options, refreshMarginSeconds: 4000 });
    await Promise.all([eager.get(), eager.get()]);
    await eager.get();
    assert.equal(eager.fetched, 2, 'concurrent callers share one request; the next call renews');
    await assert.rejects(
      new Oauth2ClientToken({ ...options, clientSecret: 'wrong', refreshMarginSeconds: 0 }).get(),
      (err: { code?: string; message: string }) => err.code === 'CONNECTOR_AUTH_FAILED' && /401 invalid_client/.test(err.message),
    );
  });
});
