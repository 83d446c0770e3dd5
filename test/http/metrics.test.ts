import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { FakeClock } from '../../src/core/clock';
import { asDate } from '../../src/db/column-values';
import { startDownstream, type Downstream } from '../connectors/connector-fixtures';
import { parsePromText, sampleValue, type Sample } from '../helpers/prom-text';
import { forEachDatabase } from '../helpers/test-databases';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { WIDGET_MAPPING, widgetBody } from '../helpers/worker-harness';

/**
 * Issue 13 (metrics): a scripted scenario through the real service; every database gauge scraped from /metrics
 * equals what the database holds, and the per-process delivery counter counts each outcome.
 */
forEachDatabase('GET /metrics', (ctx) => {
  let server: TestServer;
  let downstream: Downstream;
  let refusing: Downstream;
  const clock = new FakeClock(new Date('2026-06-01T00:00:00Z'));
  const keys: Partial<Record<ApiScope, string>> = {};

  before(async () => {
    await ctx.clean();
    const store = new KnexApiKeyStore(ctx.db);
    for (const scope of ['metrics:read', 'feed:read', 'admin'] as ApiScope[]) {
      const k = newApiKey();
      await store.create({ id: k.id, name: scope, keySha256: k.keySha256, scopes: [scope] }, new Date());
      keys[scope] = k.key;
    }
    downstream = await startDownstream(() => 200);
    refusing = await startDownstream(() => 422);
    server = await startTestServer((dir) => {
      mkdirSync(join(dir, 'mappings'));
      writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_MAPPING);
      return {
        db: ctx.config,
        mappings: { dir: join(dir, 'mappings') },
        sources: { shop: { auth: { mode: 'none' } } },
        metrics: { cacheMs: 0 },
        connectors: {
          push: { type: 'http', mode: 'batch', url: `${downstream.url}/changes` },
          refused: { type: 'http', mode: 'batch', url: `${refusing.url}/changes`, retry: { attempts: 1 }, onRefused: 'stop' },
        },
      };
    }, clock);
  });
  after(async () => {
    await server?.close();
    await downstream?.close();
    await refusing?.close();
  });

  async function scrape(key = keys['metrics:read']): Promise<Sample[]> {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return parsePromText(await res.text());
  }

  async function deliver(body: Buffer | string): Promise<number> {
    return (await fetch(`${server.url}/webhooks/shop`, { method: 'POST', body })).status;
  }

  async function drain(): Promise<void> {
    while ((await server.runtime.worker.tick()).claimed > 0);
  }

  it('answers only a key with metrics:read or admin', async () => {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer ads_no_no' } })).status, 401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${keys['feed:read']}` } });
    assert.equal(wrong.status, 403);
    await scrape(keys['metrics:read']);
    const samples = await scrape(keys.admin);
    assert.ok(sampleValue(samples, 'process_cpu_user_seconds_total') !== undefined, 'process metrics are collected');
    assert.equal(sampleValue(samples, 'appdirect_sync_auth_failures_total', { family: 'api' }), 2);
  });

  it('scrapes the values the database holds after a scripted scenario', async () => {
    const widget = (uuid: string, key: string, name: string) => widgetBody({ uuid, key, action: 'ADDED', timestamp: 1, name, qty: 1 });
    assert.equal(await deliver(widget('m1', 'w1', 'one')), 200);
    assert.equal(await deliver(widget('m2', 'w2', 'two')), 200);
    assert.equal(await deliver(widget('m1', 'w1', 'one')), 200, 'duplicate');
    assert.equal(await deliver(widget('m2', 'w2', 'other')), 200, 'conflict');
    const removed = widgetBody({ uuid: 'm5', key: 'w2', action: 'REMOVED', timestamp: 2, name: '', qty: 0 });
    assert.equal(await deliver(removed), 200, 'a removal leaves a tombstone');
    const nameless = JSON.stringify({
      uuid: 'm3',
      timestamp: 1,
      resource: { type: 'WIDGET', uuid: 'w3', content: { qty: 1 } },
      resourceAction: 'ADDED',
    });
    assert.equal(await deliver(nameless), 200, 'a failing mapping is still accepted');
    const gadget = JSON.stringify({ uuid: 'm4', timestamp: 1, resource: { type: 'GADGET', uuid: 'g1' }, resourceAction: 'ADDED' });
    assert.equal(await deliver(gadget), 200, 'an unmapped type is still accepted');
    assert.equal(await deliver('{not json'), 400);
    // A consumer that lags: it has acknowledged nothing.
    await ctx.db('consumers').insert({ name: 'crm', cursor: 0, created_at: clock.now().toISOString() });

    clock.advance(90_000);
    await drain();
    clock.advance(30_000);
    const runStart = Date.now();
    assert.equal((await server.runtime.connectors.run('push')).status, 'ok');
    assert.equal((await server.runtime.connectors.run('refused')).status, 'failed');
    const runEnd = Date.now();
    const s = await scrape();

    // prom-client leaves out an empty label, so only a refusal carries `code`.
    const deliveries = (outcome: string, code?: string) =>
      sampleValue(s, 'appdirect_sync_deliveries_total', { source: 'shop', outcome, ...(code ? { code } : {}) }) ?? 0;
    assert.equal(deliveries('accepted'), 5);
    assert.equal(deliveries('duplicate'), 1);
    assert.equal(deliveries('conflict'), 1);
    assert.equal(deliveries('rejected', 'RECEIVER_MALFORMED_JSON'), 1);

    const byStatus = (await ctx.db('inbox_events').select('status').count({ n: '*' }).groupBy('status')) as {
      status: string;
      n: string | number;
    }[];
    const dbCount = (st: string) => Number(byStatus.find((r) => r.status === st)?.n ?? 0);
    for (const status of ['accepted', 'failed', 'dead', 'unmapped', 'stale']) {
      assert.equal(sampleValue(s, 'appdirect_sync_events', { status }), dbCount(status), status);
    }
    assert.equal(dbCount('unmapped'), 1);
    assert.equal(dbCount('failed') + dbCount('dead'), 1);

    const head = Number(((await ctx.db('changes').max({ m: 'seq' }).first()) as { m: number | string }).m);
    assert.ok(head >= 2);
    assert.equal(sampleValue(s, 'appdirect_sync_change_log_head'), head);
    assert.equal(sampleValue(s, 'appdirect_sync_consumer_lag_changes', { consumer: 'crm' }), head);
    const first = (await ctx.db('changes').orderBy('seq').first('created_at')) as { created_at: Date | string };
    const lagSeconds = (clock.now().getTime() - asDate(first.created_at).getTime()) / 1000;
    assert.equal(sampleValue(s, 'appdirect_sync_consumer_lag_seconds', { consumer: 'crm' }), lagSeconds);
    assert.equal(lagSeconds, 30);
    assert.equal(sampleValue(s, 'appdirect_sync_oldest_unprocessed_delivery_age_seconds'), 0, 'drained');

    // Per process: what this worker ended, against the rows; every delivery but the malformed one was group-committed.
    const ended = (status: string) =>
      s.filter((x) => x.name === 'appdirect_sync_worker_events_total' && x.labels.status === status).reduce((n, x) => n + x.value, 0);
    for (const status of ['done', 'unmapped', 'failed']) assert.equal(ended(status), dbCount(status), status);
    assert.equal(ended('done'), 3);
    const failedCode = ((await ctx.db('inbox_events').where('status', 'failed').first('error_code')) as { error_code: string }).error_code;
    assert.equal(sampleValue(s, 'appdirect_sync_worker_events_total', { status: 'failed', code: failedCode }), 1);
    assert.equal(sampleValue(s, 'appdirect_sync_group_commit_batch_size_sum'), 7);

    // Apply lag: one observation per applied (done) event, each its received → processed time in the database.
    const done = (await ctx.db('inbox_events').where('status', 'done').select('received_at', 'processed_at')) as {
      received_at: Date | string;
      processed_at: Date | string;
    }[];
    assert.equal(sampleValue(s, 'appdirect_sync_apply_lag_seconds_count'), done.length);
    const lagSum = done.reduce((n, r) => n + (asDate(r.processed_at).getTime() - asDate(r.received_at).getTime()) / 1000, 0);
    assert.equal(sampleValue(s, 'appdirect_sync_apply_lag_seconds_sum'), lagSum);
    assert.equal(lagSum, 3 * 90);

    // Mapping failures by the mapping's entity and code; the unmapped type under a fixed label, never its raw name.
    const failures = s.filter((x) => x.name === 'appdirect_sync_mapping_failures_total');
    assert.equal(sampleValue(s, 'appdirect_sync_mapping_failures_total', { entity: 'widget', code: failedCode }), dbCount('failed'));
    assert.equal(
      sampleValue(s, 'appdirect_sync_mapping_failures_total', { entity: '(unmapped)', code: 'MAPPING_NOT_FOUND' }),
      dbCount('unmapped'),
    );
    assert.equal(failures.length, 2);
    assert.ok(!failures.some((x) => JSON.stringify(x.labels).includes('GADGET')), 'the raw type is never a label');

    // Records by entity and deleted, as the record store holds them (one live widget, one tombstone).
    const records = (await ctx.db('records').select('entity', 'deleted').count({ n: '*' }).groupBy('entity', 'deleted')) as {
      entity: string;
      deleted: boolean | number;
      n: string | number;
    }[];
    assert.equal(records.length, 2);
    for (const r of records) {
      assert.equal(sampleValue(s, 'appdirect_sync_records', { entity: r.entity, deleted: String(Boolean(r.deleted)) }), Number(r.n));
    }
    assert.equal(sampleValue(s, 'appdirect_sync_records', { entity: 'widget', deleted: 'true' }), 1);

    // Connectors: what the downstream took, the refused run by its code, the last success; checkpoints from the database.
    const consumer = async (name: string) =>
      (await ctx.db('consumers').where('name', name).first('cursor', 'acked_at')) as {
        cursor: string | number;
        acked_at: Date | string | null;
      };
    const push = await consumer('connector:push');
    const taken = downstream.requests.reduce((n, r) => n + (JSON.parse(r.body) as unknown[]).length, 0);
    assert.equal(sampleValue(s, 'appdirect_sync_connector_changes_delivered_total', { connector: 'push' }), taken);
    assert.equal(taken, head);
    assert.equal(Number(push.cursor), head);
    assert.equal(sampleValue(s, 'appdirect_sync_connector_runs_total', { connector: 'push', status: 'ok' }), 1);
    const lastSuccess = (sampleValue(s, 'appdirect_sync_connector_last_success_timestamp_seconds', { connector: 'push' }) ?? 0) * 1000;
    assert.ok(lastSuccess >= runStart - 1 && lastSuccess <= runEnd + 1, `${lastSuccess} in [${runStart}, ${runEnd}]`);
    assert.equal(
      sampleValue(s, 'appdirect_sync_consumer_last_ack_timestamp_seconds', { consumer: 'connector:push' }),
      asDate(push.acked_at ?? 0).getTime() / 1000,
    );
    // The refused batch, then its first change alone (a refused batch is split to find the refused change), refused too.
    assert.equal(refusing.requests.length, 2);
    assert.equal(
      sampleValue(s, 'appdirect_sync_connector_runs_total', { connector: 'refused', status: 'failed', code: 'CONNECTOR_REFUSED' }),
      1,
    );
    assert.equal(sampleValue(s, 'appdirect_sync_connector_changes_delivered_total', { connector: 'refused' }), 0);
    assert.equal(sampleValue(s, 'appdirect_sync_connector_last_success_timestamp_seconds', { connector: 'refused' }), 0);
    assert.equal(Number((await consumer('connector:refused')).cursor), 0, 'a refused batch keeps the checkpoint');

    // The admin API shows the same connectors: lag from the database, the last run of this process.
    const res = await fetch(`${server.url}/api/v1/admin/connectors`, { headers: { authorization: `Bearer ${keys.admin}` } });
    const { connectors } = (await res.json()) as {
      connectors: Array<{
        name: string;
        checkpoint: number;
        behind: number;
        lastRun: { status: string; delivered: number; error: { code: string } | null };
      }>;
    };
    assert.deepEqual(
      connectors.map((c) => [c.name, c.checkpoint, c.behind, c.lastRun.status, c.lastRun.delivered, c.lastRun.error?.code ?? null]),
      [
        ['push', head, 0, 'ok', head, null],
        ['refused', 0, head, 'failed', 0, 'CONNECTOR_REFUSED'],
      ],
    );

    const routes = new Set(s.filter((x) => x.name === 'appdirect_sync_http_request_duration_seconds_count').map((x) => x.labels.route));
    assert.ok(routes.has('/webhooks/:source'), [...routes].join());
    assert.ok(![...routes].some((r) => r?.includes('/webhooks/shop')), 'never the raw path');
  });

  it('raises the oldest-unprocessed age while the worker is stopped and drops it when it drains', async () => {
    const widget = (uuid: string) => widgetBody({ uuid, key: uuid, action: 'ADDED', timestamp: 2, name: uuid, qty: 2 });
    assert.equal(await deliver(widget('o1')), 200);
    clock.advance(60_000);
    assert.equal(await deliver(widget('o2')), 200);
    const oldest = (await ctx.db('inbox_events').where('status', 'accepted').orderBy('id').first('received_at')) as {
      received_at: string | Date;
    };
    const age = () => (clock.now().getTime() - asDate(oldest.received_at).getTime()) / 1000;
    assert.equal(sampleValue(await scrape(), 'appdirect_sync_oldest_unprocessed_delivery_age_seconds'), 60);
    clock.advance(240_000);
    assert.equal(sampleValue(await scrape(), 'appdirect_sync_oldest_unprocessed_delivery_age_seconds'), age());
    assert.equal(age(), 300);
    await drain();
    assert.equal(sampleValue(await scrape(), 'appdirect_sync_oldest_unprocessed_delivery_age_seconds'), 0);
  });
});
