import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import type { ThreadedWorker } from '../../src/compose/threaded-worker';
import { buildRuntime, type Runtime } from '../../src/main';
import { forEachDatabase } from '../helpers/test-databases';
import { testConfig } from '../helpers/test-runtime';
import { WIDGET_MAPPING, widgetBody } from '../helpers/worker-harness';

/** Polls `check` until it holds (the thread applies on its own schedule); fails with `what` after 20 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within 20 s: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

forEachDatabase('serve with the worker on its own thread (ADR 0040)', (ctx) => {
  let dir: string;
  let runtime: Runtime;
  let url: string;
  let n = 0;

  beforeEach(async function () {
    this.timeout(30_000);
    await ctx.clean();
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-worker-thread-'));
    mkdirSync(join(dir, 'mappings'));
    writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_MAPPING);
    const config = testConfig({
      db: ctx.config,
      log: { level: 'silent' },
      mappings: { dir: join(dir, 'mappings') },
      sources: { shop: { auth: { mode: 'none' } } },
      worker: { leaseMs: 1000, idleDelayMs: 10_000 },
      metrics: { port: 0 },
    });
    runtime = await buildRuntime(config, { logger: pino({ level: 'silent' }), workerThread: true });
    url = `http://127.0.0.1:${(await runtime.listen()).port}`;
    runtime.serviceWorker.start();
  });
  afterEach(async function () {
    this.timeout(30_000);
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliver(count: number, key = 'k'): Promise<void> {
    for (let i = 0; i < count; i++) {
      const body = widgetBody({ uuid: `u${n++}`, key: `${key}-${i}`, action: 'ADDED', timestamp: 1000 + n, name: `w${i}`, qty: i });
      const res = await fetch(`${url}/webhooks/shop`, { method: 'POST', body });
      assert.equal(res.status, 200);
    }
  }

  const doneCount = async () => Number(((await ctx.db('inbox_events').where({ status: 'done' }).count({ n: '*' }))[0] as { n: number }).n);

  it('is a thread, not the in-process SyncWorker', () => {
    assert.equal(runtime.serviceWorker.constructor.name, 'ThreadedWorker');
    assert.notEqual(runtime.serviceWorker, runtime.worker);
  });

  it('applies deliveries received over HTTP: each ends done, with its record and one change in the feed', async function () {
    this.timeout(30_000);
    await deliver(25);
    await eventually('25 events done', async () => (await doneCount()) === 25);
    const records = (await ctx.db('records').where({ entity: 'widget' }).count({ n: '*' }))[0] as { n: number };
    assert.equal(Number(records.n), 25);
    const key = newApiKey();
    await new KnexApiKeyStore(runtime.db).create({ id: key.id, name: 'feed', keySha256: key.keySha256, scopes: ['feed:read'] }, new Date());
    const res = await fetch(`${url}/api/v1/changes?after=0&limit=100`, { headers: { authorization: `Bearer ${key.key}` } });
    const page = (await res.json()) as { changes: { key: string; kind: string }[] };
    assert.equal(page.changes.length, 25);
    assert.deepEqual(new Set(page.changes.map((c) => c.key)).size, 25);
  });

  it("wakes a feed long-poll through the thread's report of its commit", async function () {
    this.timeout(30_000);
    const key = newApiKey();
    await new KnexApiKeyStore(runtime.db).create({ id: key.id, name: 'feed', keySha256: key.keySha256, scopes: ['feed:read'] }, new Date());
    let reported = 0;
    const handle = runtime.serviceWorker;
    const wake = handle.onChanges;
    handle.onChanges = () => {
      reported += 1;
      wake?.();
    };
    const waiting = fetch(`${url}/api/v1/changes?after=0&wait=20`, { headers: { authorization: `Bearer ${key.key}` } });
    await deliver(1, 'poll');
    const page = (await (await waiting).json()) as { changes: { key: string }[] };
    assert.deepEqual(
      page.changes.map((c) => c.key),
      ['poll-0'],
    );
    await eventually('the commit reported to the main thread', () => Promise.resolve(reported > 0));
  });

  it("counts in this process's metrics what the thread applied", async function () {
    this.timeout(30_000);
    await deliver(7);
    await eventually('7 events done', async () => (await doneCount()) === 7);
    const address = runtime.metricsAddress();
    assert.ok(address);
    await eventually('the done counter at 7', async () => {
      const text = await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text();
      return /^appdirect_sync_worker_events_total\{status="done"\} 7$/m.test(text);
    });
    const text = await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text();
    assert.match(text, /^appdirect_sync_apply_lag_seconds_count 7$/m);
  });

  it('stops gracefully: stop() returns after the thread finished, and a second stop does not hang', async function () {
    this.timeout(30_000);
    await deliver(10);
    await runtime.serviceWorker.stop();
    await runtime.serviceWorker.stop();
    // What the thread had not applied stays due for the next start: nothing acknowledged is lost.
    const open = await ctx.db('inbox_events').whereNot({ status: 'done' }).count({ n: '*' });
    assert.equal((await doneCount()) + Number((open[0] as { n: number }).n), 10);
  });

  it('starts a new thread after one dies, and the new one applies what came after', async function () {
    this.timeout(30_000);
    await deliver(3, 'before');
    await eventually('3 events done', async () => (await doneCount()) === 3);
    await (runtime.serviceWorker as ThreadedWorker).terminateThread();
    await deliver(4, 'after');
    await eventually('7 events done', async () => (await doneCount()) === 7);
  });

  it("applies a killed thread's claimed events after their lease, exactly once", async function () {
    if (ctx.engine !== 'pg') this.skip(); // a table lock to hold a claimed batch mid-apply exists on PostgreSQL only
    this.timeout(30_000);
    const blocker = await ctx.db.transaction();
    try {
      // Reads stay possible, writes to records wait: the thread claims, then blocks in its apply transaction.
      await blocker.raw('lock table records in exclusive mode');
      await deliver(5, 'held');
      // The first claim commits on its own; the batches after it are claimed inside the blocked transaction.
      await eventually('a batch claimed', async () => {
        const claimed = await ctx.db('inbox_events').whereNotNull('lease_until').where({ status: 'accepted' }).count({ n: '*' });
        return Number((claimed[0] as { n: number }).n) > 0;
      });
      await (runtime.serviceWorker as ThreadedWorker).terminateThread();
    } finally {
      await blocker.rollback();
    }
    await eventually('5 events done', async () => (await doneCount()) === 5);
    const changes = await ctx.db('changes').where({ entity: 'widget' }).count({ n: '*' });
    assert.equal(Number((changes[0] as { n: number }).n), 5);
  });
});
