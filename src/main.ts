import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackfillService } from './backfill/backfill-service';
import type { EventRetryService } from './admin/event-retry-service';
import type { Express } from 'express';
import { Container, type ContainerOptions } from './compose/container';
import type { Stores } from './compose/stores';
import type { Config } from './config/config-schema';
import type { ConnectorRunner } from './connectors/connector-runner';
import type { Logger } from './core/logger';
import { useServingLockWaits, type Knex } from './db/create-knex';
import type { WalCheckpointer } from './db/wal-checkpointer';
import type { FeedService } from './feed/feed-service';
import { createHttpsServer, type HttpsServer } from './http/https-server';
import type { EventAdminStore } from './inbox/event-admin-store';
import type { JobSchedule } from './jobs/job-schedule';
import { listenMetrics } from './metrics/metrics-router';
import type { MappingRegistry } from './mapping';
import type { ReceiverService } from './receiver/receiver-service';
import type { EntityViewService } from './records/entity-view-service';
import type { RemapService } from './worker/remap-service';
import type { SyncWorker } from './worker/sync-worker';
import type { WorkerHandle } from './worker/worker-handle';

export interface Runtime {
  config: Readonly<Config>;
  logger: Logger;
  db: Knex;
  app: Express;
  receiver: ReceiverService;
  /** The mapping files by resource type; hot-reloaded when config mappings.hotReload is on. */
  mappings: MappingRegistry;
  /** Starts listening (and, with `metrics.port`, the metrics listener); resolves with the main bound address. */
  listen(): Promise<AddressInfo>;
  /** The metrics listener's address once listening, when `metrics.port` is set. */
  metricsAddress(): AddressInfo | undefined;
  /** With `server.tls`: serves the certificate and key files again if they changed (also checked periodically). */
  reloadTls(): Promise<boolean>;
  /** The sync worker in this thread: `appdirect-sync worker` runs it, other commands and tests drain or tick it. */
  worker: SyncWorker;
  /** The worker `serve` starts when worker.enabled: on a thread of its own with the option workerThread, else `worker`. */
  serviceWorker: WorkerHandle;
  /** The change feed and consumer checkpoints, as the HTTP API and the connectors use them. */
  feed: FeedService;
  /** The operator's queries over the inbox: list, show, re-queue, purge. */
  events: EventAdminStore;
  /** `events retry` and the admin API's retry: the one set of re-drive rules. */
  eventRetry: EventRetryService;
  /** Re-projection after a mapping fix (`appdirect-sync remap`). */
  remap: RemapService;
  /** The periodic jobs (retention); `serve` and `worker` start them, stop() stops them. */
  jobs: JobSchedule;
  /** One SQL view per entity, refreshed at start and after each mapping hot reload (docs/sql-views.md). */
  views: EntityViewService;
  /** Downstream connectors; `serve` starts their schedules, `connectors run` runs one on demand. */
  connectors: ConnectorRunner;
  /** SQLite WAL checkpoints on a thread of their own; `serve` and `worker` start it (a no-op on PostgreSQL). */
  checkpoints: WalCheckpointer;
  /** The backfill of a source from its marketplace's REST API (`appdirect-sync backfill`); its commits wake this worker. */
  backfill(source: string): BackfillService;
  /** Every store on the runtime's database (for tests and tools that read what the service wrote). */
  stores: Stores;
  /** Graceful stop: no new connections, in-flight requests and their commits finish, then the database closes. */
  stop(): Promise<void>;
}

/** What a runtime may be given instead of building it from the config (tests pass a fake clock, a quiet logger). */
export type RuntimeOptions = Pick<ContainerOptions, 'logger' | 'clock' | 'workerThread'>;

/**
 * The service's runtime: config → mappings → db → migrate → views, then the rest of the pieces from the
 * composition root (src/compose/container.ts), each built when first used: the HTTP app when `listen()` serves it,
 * the worker when it is started or the receiver needs waking it, the schedules when started. `serve`, `worker` and
 * the CLI commands that need the mappings run on it.
 */
export async function buildRuntime(config: Readonly<Config>, options: RuntimeOptions = {}): Promise<Runtime> {
  const c = new Container(config, options);
  const logger = c.logger;
  // Before the database: a broken mapping file stops the start with every problem listed (MappingLoadError).
  const mappings = c.mappings;
  const db = c.db;
  const ran = await c.migrate();
  if (ran.length > 0) logger.info({ migrations: ran }, 'migrations applied');
  await c.views.refreshOrLog();
  warnAboutOpenSources(config, logger);

  let server: Server | undefined;
  let https: HttpsServer | undefined;
  let metricsServer: Server | undefined;
  return {
    config,
    logger,
    db,
    mappings,
    get app() {
      return c.app;
    },
    get receiver() {
      return c.receiver;
    },
    get worker() {
      return c.worker;
    },
    get serviceWorker() {
      return c.serviceWorker;
    },
    get feed() {
      return c.feed;
    },
    get events() {
      return c.events;
    },
    get eventRetry() {
      return c.eventRetry;
    },
    get remap() {
      return c.remap;
    },
    get jobs() {
      return c.jobs;
    },
    get views() {
      return c.views;
    },
    get connectors() {
      return c.connectors;
    },
    get checkpoints() {
      return c.checkpoints;
    },
    get stores() {
      return c.stores;
    },
    backfill: (source) => c.backfill(source, true),
    listen: async () => {
      const app = c.app;
      await useServingLockWaits(db, config.db.busyTimeoutMs);
      const metrics = c.metrics;
      if (metrics && config.metrics.port !== undefined) {
        metricsServer = await listenMetrics(metrics, config.metrics.host, config.metrics.port, logger);
      }
      return new Promise((resolve, reject) => {
        https = config.server.tls ? createHttpsServer(config.server.tls, app, logger) : undefined;
        server = https?.server ?? createHttpServer(app);
        server.requestTimeout = config.server.requestTimeoutMs;
        server.headersTimeout = Math.min(server.headersTimeout, config.server.requestTimeoutMs);
        server.once('error', reject);
        server.listen(config.server.port, config.server.host, () => {
          const address = server?.address() as AddressInfo;
          logger.info({ host: address.address, port: address.port, tls: !!config.server.tls }, 'listening');
          resolve(address);
        });
      });
    },
    metricsAddress: () => (metricsServer?.address() as AddressInfo | null) ?? undefined,
    reloadTls: async () => (https ? https.reloadIfChanged() : false),
    stop: async () => {
      https?.stopWatching();
      if (server) await closeGracefully(server);
      if (metricsServer) await closeGracefully(metricsServer);
      await c.close();
      logger.info('stopped');
    },
  };
}

/**
 * Stops accepting connections and lets in-flight requests finish. Keep-alive connections that are
 * still busy get `Connection: close` on their next answer and are closed as soon as they fall idle, so a
 * sender that keeps a connection busy cannot hold the stop open.
 */
async function closeGracefully(server: Server): Promise<void> {
  server.on('request', (_req, res: ServerResponse) => res.setHeader('connection', 'close'));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  try {
    await closed;
  } finally {
    clearInterval(sweeper);
  }
}

function warnAboutOpenSources(config: Readonly<Config>, logger: Logger): void {
  for (const [source, src] of Object.entries(config.sources)) {
    if (src.auth.mode === 'none') {
      logger.warn({ source }, 'source accepts deliveries without authentication; do not use it in production');
    }
  }
}
