import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { eventMix } from '../../bench/lib/event-mix';
import { MAPPING_THREAD_LIMITS } from '../../src/core/heap-limits';
import type { ClaimedEvent } from '../../src/inbox/inbox-queue';
import { FileMappingRegistry } from '../../src/mapping';
import type { ResourceAction } from '../../src/domain/envelope';
import { InlinePlanner } from '../../src/worker/event-planner';
import { ThreadedPlanner } from '../../src/worker/threaded-planner';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, expectedRecords, WIDGET_MAPPING, type WidgetEvent } from '../helpers/worker-harness';

const silent = pino({ level: 'silent' });
const ROOT = join(__dirname, '..', '..');

function claimed(bodies: Buffer[]): ClaimedEvent[] {
  return bodies.map((body, i) => {
    const d = JSON.parse(body.toString('utf8')) as {
      uuid: string;
      timestamp: number;
      resource: { type: string; uuid: string; action?: string };
      resourceAction?: string;
    };
    const action = (d.resourceAction ?? d.resource.action ?? 'ADDED') as ResourceAction;
    return {
      id: i + 1,
      ticket: 't',
      receivedAt: 0,
      source: 'shop',
      deliveryUuid: d.uuid,
      resourceType: d.resource.type,
      resourceUuid: d.resource.uuid,
      action,
      timestamp: d.timestamp,
      attempts: 0,
      body,
    };
  });
}

const delivery = (uuid: string, type: string, action: string, content?: unknown) =>
  Buffer.from(JSON.stringify({ uuid, timestamp: 5, resource: { type, uuid: `${type}-1`, action, content }, resourceAction: action }));

describe('mapping thread (ThreadedPlanner)', () => {
  const planners: ThreadedPlanner[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const p of planners.splice(0)) await p.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function widgetFolder(text = WIDGET_MAPPING): string {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-thread-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'widget.yaml'), text);
    return dir;
  }

  it('plans every shipped mapping exactly as the inline planner does, failures and unmapped types included', async () => {
    const dir = join(ROOT, 'mappings');
    const mappings = FileMappingRegistry.open(dir, silent);
    const bodies = eventMix({
      count: 400,
      keysPerType: 20,
      duplicateRate: 0.1,
      outOfOrderRate: 0.1,
      seed: 7,
      fixturesDir: join(dir, 'fixtures'),
    });
    bodies.push(
      delivery('unmapped', 'NOT_A_TYPE', 'ADDED', { id: 'x' }),
      delivery('no-content', 'SUBSCRIPTION', 'REMOVED'),
      Buffer.from('{"uuid":"junk"'),
    );
    const events = claimed(bodies.slice(0, -1));
    events.push({ ...(events[0] as ClaimedEvent), id: 999, body: Buffer.from('not json') });
    const planner = new ThreadedPlanner(dir, mappings, silent);
    planners.push(planner);
    const [inline, threaded] = [await new InlinePlanner(mappings).plan(events), await planner.plan(events)];
    assert.deepEqual(threaded, inline);
    const kinds = new Set(inline.map((p) => (p.kind === 'end' ? p.completion.status : p.kind)));
    assert.deepEqual([...kinds].sort(), ['apply', 'failed', 'unmapped'], 'the batch holds every kind of plan');
  });

  it('follows a reload of the mapping folder', async () => {
    const dir = widgetFolder();
    const mappings = FileMappingRegistry.open(dir, silent);
    const planner = new ThreadedPlanner(dir, mappings, silent);
    planners.push(planner);
    const events = claimed([delivery('d1', 'WIDGET', 'ADDED', { name: 'a', qty: 2, label: 'L' })]);
    const before = await planner.plan(events);
    writeFileSync(join(dir, 'widget.yaml'), `${WIDGET_MAPPING}  label: { type: string, from: resource.content.label }\n`);
    mappings.reload();
    planner.reload();
    const after = await planner.plan(events);
    const data = (plans: typeof before) => (plans[0]?.kind === 'apply' ? JSON.parse(plans[0].mapped.data ?? '{}') : undefined) as unknown;
    assert.deepEqual(data(before), { name: 'a', qty: 2 });
    assert.deepEqual(data(after), { label: 'L', name: 'a', qty: 2 });
    assert.deepEqual(after, await new InlinePlanner(mappings).plan(events));
  });

  it('maps on the calling thread, with an error logged, when the thread cannot load the folder', async () => {
    const dir = widgetFolder();
    const mappings = FileMappingRegistry.open(dir, silent);
    writeFileSync(join(dir, 'broken.yaml'), 'resourceType: [unclosed\n');
    const lines: string[] = [];
    const planner = new ThreadedPlanner(dir, mappings, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
    planners.push(planner);
    const events = claimed([delivery('d1', 'WIDGET', 'ADDED', { name: 'a', qty: 1 })]);
    // The worker's start and two batches in flight wait on the same failed start, as in a pipelined drain.
    const [, first, second] = await Promise.all([planner.start(), planner.plan(events), planner.plan(events)]);
    assert.deepEqual(first, await new InlinePlanner(mappings).plan(events));
    assert.deepEqual(second, first);
    assert.equal(lines.filter((l) => l.includes('mapping thread could not start')).length, 1);
    await planner.plan(events);
    assert.equal(lines.filter((l) => l.includes('mapping thread could not start')).length, 1, 'gives the thread up once, not per batch');
  });

  it('starts the thread at start(), before any batch, and maps the first batch on it', async () => {
    const dir = widgetFolder();
    const mappings = FileMappingRegistry.open(dir, silent);
    const planner = new ThreadedPlanner(dir, mappings, silent);
    planners.push(planner);
    await planner.start();
    const thread = await (planner as unknown as { worker?: Promise<Worker> }).worker;
    assert.ok(thread, 'the thread is up before the first batch');
    const young = thread.resourceLimits?.maxYoungGenerationSizeMb;
    assert.equal(young, MAPPING_THREAD_LIMITS.maxYoungGenerationSizeMb, 'a bounded young generation (ADR 0039)');
    const events = claimed([delivery('d1', 'WIDGET', 'ADDED', { name: 'a', qty: 1 })]);
    assert.deepEqual(await planner.plan(events), await new InlinePlanner(mappings).plan(events));
    assert.equal(await (planner as unknown as { worker?: Promise<Worker> }).worker, thread, 'the same thread, not a second one');
  });

  it('fails the batches of a thread that dies as a transient error, and starts a new thread for the next batch', async () => {
    const dir = widgetFolder();
    const mappings = FileMappingRegistry.open(dir, silent);
    const planner = new ThreadedPlanner(dir, mappings, silent);
    planners.push(planner);
    const small = claimed([delivery('d1', 'WIDGET', 'ADDED', { name: 'a', qty: 1 })]);
    await planner.plan(small); // the thread is up
    const big = claimed(Array.from({ length: 20_000 }, (_, i) => delivery(`b${i}`, 'WIDGET', 'ADDED', { name: 'b', qty: i })));
    const dying = planner.plan(big);
    const thread = await (planner as unknown as { worker: Promise<Worker> }).worker;
    await thread.terminate();
    await assert.rejects(dying, (err: Error & { code?: string }) => err.code === 'WORKER_MAPPING_THREAD');
    assert.deepEqual(await planner.plan(small), await new InlinePlanner(mappings).plan(small));
  });
});

forEachDatabase('SyncWorker with the mapping thread, pipelined', (ctx) => {
  it('drains to the records of applying each distinct event once in version order, and appends no change twice', async () => {
    await ctx.clean();
    const h = await engineHarness({ batchSize: 7 }, ctx.db);
    const planner = new ThreadedPlanner(h.mappingsDir, h.mappings, silent);
    try {
      let s = 11;
      const rand = (n: number) => (s = (s * 1103515245 + 12345) % 2 ** 31) % n;
      const actions = ['ADDED', 'CHANGED', 'REMOVED'] as const;
      const events: WidgetEvent[] = Array.from({ length: 300 }, (_, i) => ({
        uuid: `e${i}`,
        key: `k${rand(12)}`,
        action: actions[rand(3)] as WidgetEvent['action'],
        timestamp: rand(40),
        name: `n${rand(4)}`,
        qty: rand(3),
      }));
      const deliveries = [...events, ...events.filter((_, i) => i % 9 === 0)];
      await h.accept(deliveries);
      const totals = await h.newWorker(undefined, planner).drain();
      assert.equal(totals.claimed, deliveries.length - events.filter((_, i) => i % 9 === 0).length, 'duplicates were never queued');
      const open = (await ctx.db('inbox_events').whereNotIn('status', ['done', 'stale']).count({ n: '*' })) as { n: number | string }[];
      assert.equal(Number(open[0]?.n), 0);
      const rows = (await ctx.db('records').select('record_key', 'deleted', 'data')) as {
        record_key: string;
        deleted: number | boolean;
        data: string;
      }[];
      assert.deepEqual(
        new Map(rows.map((r) => [r.record_key, { deleted: r.deleted === 1 || r.deleted === true, data: r.data }])),
        expectedRecords(deliveries),
      );
      const changes = (await ctx.db('changes').select('inbox_event_id')) as { inbox_event_id: number }[];
      assert.equal(new Set(changes.map((c) => c.inbox_event_id)).size, changes.length);
    } finally {
      await planner.close();
      await h.close();
    }
  });
});
