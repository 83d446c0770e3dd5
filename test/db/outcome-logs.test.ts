import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ClaimedEvent } from '../../src/inbox/inbox-queue';
import { ReceiverService } from '../../src/receiver/receiver-service';
import type { EventPlanner } from '../../src/worker/event-planner';
import { SyncWorker } from '../../src/worker/sync-worker';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, widgetBody, type EngineHarness } from '../helpers/worker-harness';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger at debug whose lines are parsed into `lines`. */
function capture(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

const WARN = 40;
const DEBUG = 20;
const OPTIONS = { batchSize: 10, leaseMs: 60_000, maxAttempts: 1000, backoffBaseMs: 10, backoffMaxMs: 1000, idleDelayMs: 10 };

/** A planner whose batches always fail (as when the mapping thread dies): every batch is given back. */
const failingPlanner: EventPlanner = {
  start: async () => {},
  plan: (_events: ClaimedEvent[]) => Promise.reject(Object.assign(new Error('thread exited'), { code: 'WORKER_MAPPING_THREAD' })),
  close: async () => {},
};

// Issue 13: every event an operator must act on is one warn line with its id, source, type, resource and code;
// stale events and batches only in counts, at debug.
forEachDatabase('warn lines for events that need a person', (ctx) => {
  let h: EngineHarness;
  beforeEach(async () => {
    await ctx.clean();
    h = await engineHarness({}, ctx.engine === 'pg' ? ctx.db : undefined);
  });
  afterEach(() => h.close());

  it('logs failed and unmapped events with their codes, and stale ones only as a count', async () => {
    await h.accept([{ uuid: 'new', key: 'k1', action: 'CHANGED', timestamp: 9, name: 'n', qty: 1 }]);
    await h.acceptRaw([
      Buffer.from(JSON.stringify({ uuid: 'gadget', timestamp: 1, resourceAction: 'ADDED', resource: { type: 'GADGET', uuid: 'g1' } })),
      Buffer.from(
        JSON.stringify({
          uuid: 'noname',
          timestamp: 1,
          resourceAction: 'ADDED',
          resource: { type: 'WIDGET', uuid: 'k2', content: { qty: 1 } },
        }),
      ),
    ]);
    await h.accept([{ uuid: 'old', key: 'k1', action: 'CHANGED', timestamp: 1, name: 'o', qty: 0 }]);
    const { log, lines } = capture();
    const worker = new SyncWorker(h.db, h.queue, h.records, h.mappings, h.clock, log, OPTIONS);
    await worker.drain();

    const warns = lines.filter((l) => l.level === WARN).map((l) => [l.resourceUuid, l.source, l.resourceType, l.status, l.code]);
    assert.deepEqual(warns, [
      ['g1', 'shop', 'GADGET', 'unmapped', 'MAPPING_NOT_FOUND'],
      ['k2', 'shop', 'WIDGET', 'failed', 'MAPPING_REQUIRED_FIELD_MISSING'],
    ]);
    for (const l of lines.filter((x) => x.level === WARN)) assert.equal(typeof l.eventId, 'number');
    const batch = lines.filter((l) => l.level === DEBUG && l.msg === 'worker batch applied');
    assert.deepEqual(
      batch.map((l) => [l.done, l.stale, l.failed, l.unmapped]),
      [[1, 1, 1, 1]],
    );
  });

  it('logs each event that a failing batch leaves dead, with the batch error code', async () => {
    await h.accept([{ uuid: 'a', key: 'k1', action: 'ADDED', timestamp: 1, name: 'n', qty: 1 }]);
    const { log, lines } = capture();
    const worker = new SyncWorker(h.db, h.queue, h.records, h.mappings, h.clock, log, { ...OPTIONS, maxAttempts: 2 }, failingPlanner);
    await worker.tick();
    assert.deepEqual(
      lines.filter((l) => l.level === WARN && l.msg === 'event dead'),
      [],
    );
    h.clock.advance(60_000);
    await worker.tick();
    const dead = lines.filter((l) => l.level === WARN && l.msg === 'event dead');
    assert.deepEqual(
      dead.map((l) => [l.resourceUuid, l.resourceType, l.status, l.code]),
      [['k1', 'WIDGET', 'dead', 'WORKER_MAPPING_THREAD']],
    );
    const [row] = (await h.db('inbox_events').select('status')) as Array<{ status: string }>;
    assert.equal(row?.status, 'dead');
  });

  it('logs a conflicting re-send with its code', async () => {
    const { log, lines } = capture();
    const receiver = new ReceiverService(h.inbox, h.clock, log, { groupCommitMax: 10, rejectedKeep: 10, maxDepth: 64 });
    const delivery = (name: string) => ({
      source: 'shop',
      principal: 'test',
      body: widgetBody({ uuid: 'same', key: 'k9', action: 'ADDED', timestamp: 1, name, qty: 1 }),
      requestId: 'r',
      remoteAddress: undefined,
    });
    await receiver.receive(delivery('first'));
    assert.deepEqual(
      lines.filter((l) => l.level === WARN),
      [],
    );
    const outcome = await receiver.receive(delivery('second'));
    assert.equal(outcome.status, 'conflict');
    const warns = lines.filter((l) => l.level === WARN);
    assert.deepEqual(
      warns.map((l) => [l.eventId, l.source, l.resourceType, l.resourceUuid, l.deliveryUuid, l.code]),
      [[outcome.id, 'shop', 'WIDGET', 'k9', 'same', 'INBOX_CONFLICT']],
    );
  });
});
