import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createHash } from 'node:crypto';
import { Container } from '../../src/compose/container';
import { FakeClock } from '../../src/core/clock';
import { createKnex, type Knex } from '../../src/db/create-knex';
import type { InboxQueue } from '../../src/inbox/inbox-queue';
import type { InboxStore } from '../../src/inbox/inbox-store';
import type { FileMappingRegistry } from '../../src/mapping';
import type { EventPlanner } from '../../src/worker/event-planner';
import { parseEnvelope } from '../../src/receiver/envelope';
import type { RecordStore, RecordWriter } from '../../src/records/record-store';
import type { SyncWorker, SyncWorkerOptions } from '../../src/worker/sync-worker';
import { testConfig } from './test-runtime';

/** A mapping for tests of the engine: WIDGET deliveries with a required name and an integer qty. */
export const WIDGET_MAPPING = `resourceType: WIDGET
entity: widget
fields:
  name: { type: string, from: resource.content.name, required: true }
  qty:  { type: integer, from: resource.content.qty }
`;

export interface WidgetEvent {
  uuid: string;
  key: string;
  action: 'ADDED' | 'CHANGED' | 'REMOVED';
  timestamp: number;
  name: string;
  qty: number;
}

/** The AppDirect-shaped body of a widget event; REMOVED carries no content, as usual. */
export function widgetBody(e: WidgetEvent): Buffer {
  const resource: Record<string, unknown> = { type: 'WIDGET', uuid: e.key };
  if (e.action !== 'REMOVED') resource.content = { name: e.name, qty: e.qty };
  return Buffer.from(JSON.stringify({ uuid: e.uuid, timestamp: e.timestamp, resource, resourceAction: e.action }));
}

export interface EngineHarness {
  db: Knex;
  /** The composition root the harness was built from: its services (remap, mapping diff) on the same stores. */
  container: Container;
  clock: FakeClock;
  inbox: InboxStore;
  queue: InboxQueue;
  records: RecordStore;
  /** The harness's mapping folder and its registry (edit a file, then `mappings.reload()`). */
  mappingsDir: string;
  mappings: FileMappingRegistry;
  /** A worker on the harness's stores; it maps inline unless given another planner. */
  newWorker(records?: RecordWriter, planner?: EventPlanner): SyncWorker;
  accept(events: WidgetEvent[]): Promise<void>;
  /** Accepts deliveries given as raw bodies (any resource type, any content). */
  acceptRaw(bodies: Buffer[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real stores and worker on a fresh SQLite file (or `existingDb`), with the widget mapping (or the given
 * mapping files, by file name) and a fake clock, all from the composition root (src/compose/container.ts).
 */
export async function engineHarness(
  options: Partial<SyncWorkerOptions> = {},
  existingDb?: Knex,
  mappingFiles: Record<string, string> = { 'widget.yaml': WIDGET_MAPPING },
): Promise<EngineHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-engine-'));
  const mappingsDir = join(dir, 'mappings');
  mkdirSync(mappingsDir);
  for (const [file, text] of Object.entries(mappingFiles)) writeFileSync(join(mappingsDir, file), text);
  const db = existingDb ?? createKnex({ client: 'sqlite', filename: join(dir, 'engine.db'), pool: { max: 1 } });
  const logger = pino({ level: 'silent' });
  const clock = new FakeClock(new Date('2026-11-27T00:00:00Z'));
  // requestTimeoutMs 6000 gives intake the 5 s SQLite lock wait these tests have always run with.
  const config = testConfig({ mappings: { dir: mappingsDir }, server: { requestTimeoutMs: 6000 }, worker: { mappingThread: false } });
  const container = new Container(config, { db, clock, logger });
  if (!existingDb) await container.migrate();
  const { mappings } = container;
  const { inbox, inboxQueue: queue, records } = container.stores;
  const workerOptions: SyncWorkerOptions = {
    batchSize: 4,
    leaseMs: 60_000,
    maxAttempts: 1000,
    backoffBaseMs: 10,
    backoffMaxMs: 1000,
    idleDelayMs: 10,
    ...options,
  };
  const acceptRaw = async (bodies: Buffer[]) => {
    await inbox.acceptBatch(
      bodies.map((body) => ({
        source: 'shop',
        envelope: parseEnvelope(JSON.parse(body.toString())),
        body,
        bodySha256: createHash('sha256').update(body).digest('hex'),
        principal: 'test',
        receivedAt: clock.now(),
      })),
    );
  };
  return {
    db,
    container,
    clock,
    inbox,
    queue,
    records,
    mappingsDir,
    mappings,
    newWorker: (recordStore = records, planner?: EventPlanner) =>
      container.createWorker({ records: recordStore, planner, options: workerOptions }),
    accept: (events) => acceptRaw(events.map(widgetBody)),
    acceptRaw,
    close: async () => {
      await container.close();
      if (!existingDb) await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const RANK = { ADDED: 0, CHANGED: 1, REMOVED: 2 } as const;

/**
 * The specification, written independently of the engine: per key, the newest distinct event by
 * (timestamp, action rank, uuid) decides; a REMOVED keeps the data of the newest ADDED/CHANGED before it.
 */
export function expectedRecords(events: WidgetEvent[]): Map<string, { deleted: boolean; data: string }> {
  const byKey = new Map<string, WidgetEvent[]>();
  for (const e of new Map(events.map((x) => [x.uuid, x])).values()) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  const out = new Map<string, { deleted: boolean; data: string }>();
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.timestamp - b.timestamp || RANK[a.action] - RANK[b.action] || (a.uuid < b.uuid ? -1 : 1));
    const last = list[list.length - 1] as WidgetEvent;
    const lastContent = [...list].reverse().find((e) => e.action !== 'REMOVED');
    const data = lastContent ? JSON.stringify({ name: lastContent.name, qty: lastContent.qty }) : '{}';
    out.set(key, { deleted: last.action === 'REMOVED', data });
  }
  return out;
}
