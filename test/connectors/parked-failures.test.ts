import assert from 'node:assert/strict';
import { ConnectorFailureService } from '../../src/connectors/connector-failure-service';
import { consumerNameOf } from '../../src/connectors/connector';
import { createConnectors } from '../../src/connectors/create-connectors';
import { KnexConnectorFailureStore } from '../../src/connectors/knex-connector-failure-store';
import { readLimited, redactResponse } from '../../src/connectors/refusal-response';
import { systemClock } from '../../src/core/clock';
import type { Change } from '../../src/feed/change-feed';
import type { FeedService } from '../../src/feed/feed-service';
import { forEachDatabase } from '../helpers/test-databases';
import { testConfig } from '../helpers/test-runtime';
import { engineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { connectorDeps, drain, feedOn, startDownstream, type Downstream } from './connector-fixtures';

const FAST_RETRY = { attempts: 3, baseMs: 1, maxMs: 2 };
const SECRET = 'static-downstream-token-0123456789';

/** Keys the downstream refuses (422) until told otherwise, echoing the token and a password back, as some APIs do. */
function refusingDownstream(refused: Set<string>): Promise<Downstream> {
  return startDownstream((r) => {
    const key = decodeURIComponent(r.path.split('/').pop() ?? '');
    if (r.headers.authorization !== `Bearer ${SECRET}`) return 401;
    return refused.has(key) ? 422 : 200;
  });
}

forEachDatabase('parked failures: a refused change is parked, the connector goes on, retry and skip', (ctx) => {
  let feed: FeedService;
  let changes: Change[];
  let downstream: Downstream | undefined;

  before(async () => {
    const harness = await engineHarness({}, ctx.db);
    const events: WidgetEvent[] = [];
    for (let i = 0; i < 8; i++) events.push({ uuid: `a-${i}`, key: `w-${i}`, action: 'ADDED', timestamp: 1000 + i, name: `W${i}`, qty: i });
    // A later state of w-3, after its first one is refused.
    events.push({ uuid: 'c-3', key: 'w-3', action: 'CHANGED', timestamp: 2000, name: 'W3 renamed', qty: 30 });
    await harness.accept(events);
    await drain(harness.newWorker());
    await harness.close();
    feed = feedOn(ctx.db);
    changes = (await feed.read('0', { limit: 100 })).changes;
    assert.equal(changes.length, 9);
  });
  afterEach(async () => {
    await downstream?.close();
    downstream = undefined;
  });

  function setup(name: string, url: string, onRefused: 'park' | 'stop') {
    const config = testConfig({
      connectors: {
        [name]: {
          type: 'http',
          mode: 'record',
          url: `${url}/w/{key}`,
          auth: { type: 'bearer', token: SECRET },
          retry: FAST_RETRY,
          onRefused,
        },
      },
    }).connectors;
    const store = new KnexConnectorFailureStore(ctx.db);
    let parkedCount = 0;
    const runner = createConnectors(config, { ...connectorDeps(ctx.db, feed), failures: store, onParked: () => (parkedCount += 1) });
    const service = new ConnectorFailureService(store, runner, feed, systemClock, () => []);
    return { runner, service, store, parked: () => parkedCount };
  }
  const checkpointOf = async (name: string) => (await feed.readFor(consumerNameOf(name), { limit: 1 })).consumer.cursor;
  const seqOf = (key: string) => changes.filter((c) => c.key === key).map((c) => c.seq);

  it('park: a 422 parks that change with status, redacted answer and attempts; the next changes arrive; retry re-sends; skip drops', async () => {
    const refused = new Set(['w-3', 'w-5']);
    const answers: string[] = [];
    downstream = await startDownstream((r) => {
      const key = r.path.split('/').pop() ?? '';
      if (!refused.has(key)) return 200;
      answers.push(key);
      return 422;
    });
    // The downstream's 422 answer body: startDownstream answers {"ok":false}; check the body is kept below.
    const { runner, service, parked } = setup('crm', downstream.url, 'park');
    const first = await runner.run('crm');
    assert.equal(first.status, 'ok', JSON.stringify(first.error));
    const [w3a, w3b] = seqOf('w-3') as [number, number];
    const [w5] = seqOf('w-5') as [number];
    const taken = downstream.requests.filter((r) => r.status === 200).map((r) => Number(r.headers['x-change-cursor']));
    assert.deepEqual(
      taken,
      changes.map((c) => c.seq).filter((s) => s !== w3a && s !== w5 && s !== w3b),
      'every other change arrived, in order, after the refused ones',
    );
    assert.equal(await checkpointOf('crm'), changes[changes.length - 1]?.seq, 'the checkpoint went past the parked changes');

    const list = await service.list({ connector: 'crm', state: 'parked', limit: 10 });
    assert.deepEqual(
      list.map((f) => [f.seq, f.key, f.status, f.code, f.attempts]),
      [
        [w3a, 'w-3', 422, 'CONNECTOR_REFUSED', 1],
        [w5, 'w-5', 422, 'CONNECTOR_REFUSED', 1],
        [w3b, 'w-3', 422, 'CONNECTOR_REFUSED', 1],
      ],
    );
    assert.equal(list[0]?.response, '{"ok":false}', "the downstream's answer is kept");
    assert.equal(parked(), 3, 'each parked change counted once');

    // The downstream is fixed for w-3: the newer state is retried first, which supersedes nothing (it is the newest).
    refused.delete('w-3');
    const f3b = list[2]!;
    const retried = await service.retry('crm', f3b.id);
    assert.equal(retried.failure.state, 'retried');
    const resent = downstream.requests[downstream.requests.length - 1]!;
    assert.deepEqual(
      [resent.status, resent.headers['idempotency-key'], JSON.parse(resent.body)],
      [200, `crm:shop:${w3b}`, f3b.change.data],
    );

    // w-5 is still refused: a retry counts one more attempt and stays parked.
    const f5 = list[1]!;
    await assert.rejects(service.retry('crm', f5.id), (err: { code?: string }) => err.code === 'CONNECTOR_REFUSED');
    assert.deepEqual([(await service.show('crm', f5.id)).attempts, (await service.show('crm', f5.id)).state], [2, 'parked']);
    const skipped = await service.skip('crm', f5.id);
    assert.equal(skipped.failure.state, 'skipped');
    assert.equal(skipped.checkpoint, undefined, 'a parked change is behind the checkpoint already: it does not move');
    await assert.rejects(service.retry('crm', f5.id), (err: { code?: string }) => err.code === 'CONNECTOR_FAILURE_RESOLVED');
    await assert.rejects(service.show('crm', 999_999), (err: { code?: string }) => err.code === 'CONNECTOR_FAILURE_NOT_FOUND');
    assert.deepEqual(
      (await service.list({ connector: 'crm', state: 'parked', limit: 10 })).map((f) => f.seq),
      [w3a],
      'only the older w-3 change is left',
    );
  });

  it('batch mode: a refused batch is sent again one change per batch, and only the refused change is parked', async () => {
    const [w4] = seqOf('w-4') as [number];
    downstream = await startDownstream((r) => {
      const items = JSON.parse(r.body) as Array<{ cursor: string }>;
      return items.some((i) => i.cursor === String(w4)) ? 422 : 200;
    });
    const config = testConfig({
      connectors: { batcher: { type: 'http', mode: 'batch', url: `${downstream.url}/b`, batchSize: 4, retry: FAST_RETRY } },
    }).connectors;
    const store = new KnexConnectorFailureStore(ctx.db);
    const runner = createConnectors(config, { ...connectorDeps(ctx.db, feed), failures: store });
    const outcome = await runner.run('batcher');
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const taken = downstream.requests
      .filter((r) => r.status === 200)
      .flatMap((r) => (JSON.parse(r.body) as Array<{ cursor: string }>).map((i) => Number(i.cursor)));
    assert.deepEqual(
      taken,
      changes.map((c) => c.seq).filter((s) => s !== w4),
      'every other change taken once, in order',
    );
    const parked = await store.list({ connector: 'batcher', limit: 10 });
    assert.deepEqual(
      parked.map((f) => [f.seq, f.status]),
      [[w4, 422]],
    );
    assert.equal(outcome.delivered, changes.length - 1);
  });

  it('a later change of the same record delivered after a parked one supersedes it: retry refused unless forced', async () => {
    const refusedOnce = new Set([String(seqOf('w-3')[0])]);
    downstream = await startDownstream((r) => (refusedOnce.has(String(r.headers['x-change-cursor'])) ? 400 : 200));
    const { runner, service } = setup('erp', downstream.url, 'park');
    assert.equal((await runner.run('erp')).status, 'ok');
    const [failure] = await service.list({ connector: 'erp', state: 'parked', limit: 10 });
    assert.ok(failure);
    assert.equal(failure.supersededBy, seqOf('w-3')[1], 'the later state of w-3 went out after it');
    await assert.rejects(service.retry('erp', failure.id), (err: { code?: string }) => err.code === 'CONNECTOR_FAILURE_SUPERSEDED');
    refusedOnce.clear();
    assert.equal((await service.retry('erp', failure.id, { force: true })).failure.state, 'retried');
  });

  it('stop: the run stops at the refused change, parks it for show; skip moves the checkpoint past it and the next run goes on', async () => {
    const refused = new Set(['w-2']);
    downstream = await refusingDownstream(refused);
    const { runner, service } = setup('strict', downstream.url, 'stop');
    const [w2] = seqOf('w-2') as [number];
    const stopped = await runner.run('strict');
    assert.deepEqual([stopped.status, stopped.error?.code], ['failed', 'CONNECTOR_REFUSED']);
    assert.equal(await checkpointOf('strict'), w2 - 1, 'checkpoint at the change before the refused one');
    const again = await runner.run('strict');
    assert.equal(again.status, 'failed', 'stays stopped');
    const [failure] = await service.list({ connector: 'strict', limit: 10 });
    assert.deepEqual([failure?.seq, failure?.attempts, failure?.state], [w2, 2, 'parked']);
    const skipped = await service.skip('strict', failure!.id);
    assert.equal(skipped.checkpoint, w2);
    const after = await runner.run('strict');
    assert.equal(after.status, 'ok');
    assert.equal(await checkpointOf('strict'), changes[changes.length - 1]?.seq);
    assert.ok(!downstream.requests.some((r) => r.status === 200 && r.path === '/w/w-2'), 'the skipped change was never taken');
  });
});

describe('a refused answer kept with a parked change', () => {
  it('redacts credentials from a kept answer and keeps at most 4 KiB of it', async () => {
    const echoed = redactResponse(
      `{"error":"invalid","access_token":"abc.def","password":"p","echo":"Bearer ${SECRET}","note":"${SECRET}"}`,
      [SECRET],
    );
    assert.ok(!echoed.includes(SECRET) && !echoed.includes('abc.def') && !echoed.includes('"p"'), echoed);
    assert.ok(echoed.includes('"error":"invalid"'));
    const long = await readLimited(new Response('x'.repeat(100_000)));
    assert.equal(long, `${'x'.repeat(4096)}…`);
  });
});
