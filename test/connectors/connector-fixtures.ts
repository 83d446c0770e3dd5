import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { eventMix } from '../../bench/lib/event-mix';
import { preloadInbox } from '../../bench/lib/preload-inbox';
import type { RunContext } from '../../src/connectors/connector';
import { silentProgress } from '../../src/connectors/connector';
import type { ConnectorDeps } from '../../src/connectors/create-connectors';
import { KnexConnectorFailureStore } from '../../src/connectors/knex-connector-failure-store';
import { KnexCsvLayoutStore } from '../../src/connectors/knex-csv-layout-store';
import { systemClock } from '../../src/core/clock';
import type { Knex } from '../../src/db/create-knex';
import { ChangeNotifier } from '../../src/feed/change-notifier';
import { FeedService } from '../../src/feed/feed-service';
import { KnexChangeFeed } from '../../src/feed/knex-change-feed';
import { KnexConsumerStore } from '../../src/feed/knex-consumer-store';
import { FileMappingRegistry } from '../../src/mapping';
import { SyncWorker } from '../../src/worker/sync-worker';
import { createInboxQueue } from '../../src/inbox/create-inbox-stores';
import { createRecordStore } from '../../src/records/create-record-stores';

export const ROOT = join(__dirname, '..', '..');
export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** One request the downstream got, and what it answered. */
export interface ReceivedRequest {
  n: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Downstream {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 and a free port, standing in for a CRM or ERP API: `answer` picks the status of
 * each request (the n-th, 1-based); every request is recorded with its answer.
 */
export async function startDownstream(answer: (req: Omit<ReceivedRequest, 'status'>) => number | Promise<number>): Promise<Downstream> {
  const requests: ReceivedRequest[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        n: ++n,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve(answer(received)).then(
        (status) => {
          requests.push({ ...received, status });
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The change feed service on a database, as main.ts builds it. */
export function feedOn(db: Knex): FeedService {
  return new FeedService(new KnexChangeFeed(db), new KnexConsumerStore(db), new ChangeNotifier(), systemClock);
}

/** What createConnector(s) needs on a database: its feed, parked changes in its connector_failures. */
export function connectorDeps(db: Knex, feed: FeedService = feedOn(db)): ConnectorDeps {
  return { feed, logger: silentLogger, failures: new KnexConnectorFailureStore(db), layouts: new KnexCsvLayoutStore(db) };
}

/** A run context for calling connector.run() directly. */
export function runContext(signal: AbortSignal = new AbortController().signal): RunContext {
  return { logger: silentLogger, progress: silentProgress, signal };
}

/**
 * Real changes of all five AppDirect types: `count` deliveries of the bench's event mix (re-sends and late
 * arrivals included) committed to the inbox, then applied by the real worker with the shipped mappings.
 */
export async function mixChanges(db: Knex, count: number, seed = 11): Promise<void> {
  const bodies = eventMix({
    count,
    keysPerType: Math.max(5, Math.round(count / 20)),
    duplicateRate: 0.05,
    outOfOrderRate: 0.05,
    seed,
    fixturesDir: join(ROOT, 'mappings', 'fixtures'),
  });
  await applyThroughWorker(db, bodies);
}

/** Commits `bodies` to the inbox, then applies them with the real worker and the shipped mappings until none is left. */
export async function applyThroughWorker(db: Knex, bodies: Parameters<typeof preloadInbox>[1]): Promise<void> {
  await preloadInbox(db, bodies);
  const mappings = FileMappingRegistry.open(join(ROOT, 'mappings'), silentLogger);
  const worker = new SyncWorker(db, createInboxQueue(db), createRecordStore(db), mappings, systemClock, silentLogger, {
    batchSize: 500,
    leaseMs: 60_000,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 100,
    idleDelayMs: 10,
  });
  try {
    while ((await worker.tick()).claimed > 0);
  } finally {
    mappings.close();
  }
}

/** Drains a worker of the engine harness. */
export async function drain(worker: { tick(): Promise<{ claimed: number }> }): Promise<void> {
  while ((await worker.tick()).claimed > 0);
}

/** A small RFC 4180 parser for the tests: quoted fields with doubled quotes, commas and line breaks inside. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else if (ch === '\n' || ch === '\r') {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else field += ch;
    i += 1;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('last line does not end with CRLF');
  return rows;
}
