import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pino from 'pino';
import { formatEventDetail, eventAsJson } from '../../src/cli/event-format';
import { KnexEventAdminStore } from '../../src/inbox/knex-event-admin-store';
import type { CompiledMapping, MappingRegistry } from '../../src/mapping';
import { InlinePlanner, type EventPlanner } from '../../src/worker/event-planner';
import { ThreadedPlanner } from '../../src/worker/threaded-planner';
import type { Knex } from '../../src/db/create-knex';
import { forEachDatabase } from '../helpers/test-databases';
import { openSyncWorkspace, WIDGET_FIXED, type SyncWorkspace } from '../helpers/sync-workspace';
import { engineHarness, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';

const silent = pino({ level: 'silent' });
const DEPTH = 200_000;

/** A widget delivery whose content nests DEPTH levels deep: JSON.parse reads it, every recursive walk overflows. */
function deepBody(uuid: string, key: string): Buffer {
  const nest = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
  return Buffer.from(
    `{"uuid":"${uuid}","timestamp":5,"resource":{"type":"WIDGET","uuid":"${key}","content":{"id":"${key}","name":"deep","qty":1,"nest":${nest}}},"resourceAction":"ADDED"}`,
  );
}

/** Straight into the inbox tables, as an older version (or a raised intake limit) would have stored it: no receiver. */
async function insertRaw(db: Knex, uuid: string, key: string, body: Buffer, at: Date): Promise<number> {
  const envelope = { uuid, timestamp: 5, resourceType: 'WIDGET', resourceUuid: key, resourceAction: 'ADDED' };
  const [row] = (await db('inbox_events')
    .insert({
      source: 'shop',
      delivery_uuid: uuid,
      resource_type: 'WIDGET',
      resource_uuid: key,
      resource_action: 'ADDED',
      event_timestamp: 5,
      body_sha256: createHash('sha256').update(body).digest('hex'),
      envelope: JSON.stringify(envelope),
      principal: 'test',
      status: 'accepted',
      received_at: at.toISOString(),
    })
    .returning('id')) as Array<{ id: number | string }>;
  const id = Number(row?.id);
  await db('inbox_payloads').insert({ event_id: id, body });
  return id;
}

const widgets = (from: number, n: number): WidgetEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    uuid: `g${from + i}`,
    key: `k${from + i}`,
    action: 'ADDED',
    timestamp: 1,
    name: `n${from + i}`,
    qty: i,
  }));

interface Row {
  id: number | string;
  delivery_uuid: string;
  status: string;
  attempts: number | string;
  error_code: string | null;
}

async function rows(db: Knex): Promise<Row[]> {
  return (await db('inbox_events').select('id', 'delivery_uuid', 'status', 'attempts', 'error_code').orderBy('id')) as Row[];
}

/** Throws a plain TypeError (not a mapping issue) for the delivery named `boom`: a bug in one event's mapping. */
function throwingFor(registry: MappingRegistry): MappingRegistry {
  const wrap = (m: CompiledMapping): CompiledMapping => ({
    ...m,
    map: (delivery) => {
      const name = (delivery as { resource?: { content?: { name?: unknown } } }).resource?.content?.name;
      if (name === 'boom') throw new TypeError('Cannot read properties of undefined (reading "x")');
      return m.map(delivery);
    },
  });
  return {
    forResourceType: (t) => {
      const m = registry.forResourceType(t);
      return m && wrap(m);
    },
    all: () => registry.all().map(wrap),
  };
}

forEachDatabase('one poisonous event in a batch', (ctx) => {
  let h: EngineHarness;
  const planners: EventPlanner[] = [];
  beforeEach(async () => {
    await ctx.clean();
    h = await engineHarness({ batchSize: 50, maxAttempts: 8 }, ctx.db);
  });
  afterEach(async () => {
    for (const p of planners.splice(0)) await p.close();
    await h.close();
  });

  for (const kind of ['mapping thread', 'inline'] as const) {
    it(`fails only the ${DEPTH}-deep event (${kind}); the good ones end done at attempt 1, and events show works`, async function () {
      this.timeout(60_000);
      await h.accept(widgets(0, 60));
      const deepId = await insertRaw(ctx.db, 'deep-1', 'k-deep', deepBody('deep-1', 'k-deep'), h.clock.now());
      await h.accept(widgets(60, 60));
      const planner = kind === 'inline' ? new InlinePlanner(h.mappings) : new ThreadedPlanner(h.mappingsDir, h.mappings, silent);
      planners.push(planner);
      const totals = await h.newWorker(undefined, planner).drain();
      assert.equal(totals.retried, 0, 'no batch was given back');
      const all = await rows(ctx.db);
      const bad = all.filter((r) => Number(r.id) === deepId);
      const good = all.filter((r) => Number(r.id) !== deepId);
      assert.equal(good.length, 120);
      assert.deepEqual(
        good.filter((r) => r.status !== 'done' || Number(r.attempts) !== 0).map((r) => `${r.delivery_uuid} ${r.status} ${r.attempts}`),
        [],
        'every good event done at its first attempt (attempts counts the failed ones)',
      );
      assert.deepEqual(
        bad.map((r) => [r.status, Number(r.attempts), r.error_code]),
        [['failed', 0, 'WORKER_PAYLOAD_TOO_DEEP']],
      );
      assert.equal(await ctx.db('records').where({ record_key: 'k-deep' }).first(), undefined, 'nothing of it was applied');

      const detail = await new KnexEventAdminStore(ctx.db).get(deepId);
      assert.ok(detail);
      const text = formatEventDetail(detail);
      assert.match(text, /error: +WORKER_PAYLOAD_TOO_DEEP/);
      assert.match(text, /nested deeper than 1000 levels/);
      const json = JSON.parse(JSON.stringify(eventAsJson(detail), null, 2)) as { body: unknown; errorCode: string };
      assert.equal(json.errorCode, 'WORKER_PAYLOAD_TOO_DEEP');
      assert.equal(typeof json.body, 'string', 'a body too deep to nest is given as its stored text');
    });
  }

  it('fails only the event whose mapping throws an unexpected error, and retries nothing', async () => {
    const events = widgets(0, 20);
    (events[7] as WidgetEvent).name = 'boom';
    await h.accept(events);
    const totals = await h.newWorker(undefined, new InlinePlanner(throwingFor(h.mappings))).drain();
    assert.equal(totals.retried, 0);
    const all = await rows(ctx.db);
    assert.deepEqual(
      all.filter((r) => r.status !== 'done').map((r) => [r.delivery_uuid, r.status, Number(r.attempts), r.error_code]),
      [['g7', 'failed', 0, 'WORKER_MAPPING_ERROR']],
    );
    assert.ok(
      all.every((r) => Number(r.attempts) === 0),
      'none was retried',
    );
    const detail = await new KnexEventAdminStore(ctx.db).get(Number(all[7]?.id));
    assert.match(JSON.stringify(detail?.errorDetail), /TypeError: Cannot read properties/);
  });
});

describe('events show on an event nested 200,000 levels deep (CLI)', () => {
  let ws: SyncWorkspace;
  beforeEach(async () => {
    ws = await openSyncWorkspace({ mappings: { 'widget.yaml': WIDGET_FIXED } });
  });
  afterEach(() => ws.close());

  it('prints the event with its code and the body as stored, as text and as --json', async function () {
    this.timeout(60_000);
    const id = await ws.accept('WIDGET', 'w1', { id: 'w1', name: 'one' });
    assert.ok(id);
    // The stored body swapped for a deep one: what an older version, or a raised intake limit, let in.
    await ws.runtime
      .db('inbox_payloads')
      .where({ event_id: id })
      .update({ body: deepBody('deep-cli', 'w1') });
    await ws.drain();
    const text = await ws.cli('events', 'show', String(id));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /status: +failed/);
    assert.match(text.stdout, /error: +WORKER_PAYLOAD_TOO_DEEP/);
    assert.match(text.stdout, /nested deeper than 1000 levels: shown as stored/);
    const json = await ws.cli('events', 'show', String(id), '--json');
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { errorCode: string; body: string };
    assert.equal(parsed.errorCode, 'WORKER_PAYLOAD_TOO_DEEP');
    assert.equal(parsed.body, deepBody('deep-cli', 'w1').toString('utf8'));
  });
});
