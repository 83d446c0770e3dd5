import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Express } from 'express';
import { createApp } from './app';
import { ApiKeyAuth } from './auth/api-key-auth';
import { createBearerAuth } from './auth/bearer-auth';
import { KnexApiKeyStore } from './auth/knex-api-key-store';
import type { Config } from './config/config-schema';
import type { ConnectorRunner } from './connectors/connector-runner';
import { createConnectors } from './connectors/create-connectors';
import { systemClock, type Clock } from './core/clock';
import { createLogger, type Logger } from './core/logger';
import { createKnex, useServingLockWaits, type Knex } from './db/create-knex';
import { DbReadiness } from './db/db-readiness';
import { migrateLatest } from './db/migration-source';
import { ChangeNotifier } from './feed/change-notifier';
import { feedRouter } from './feed/feed-router';
import { FeedService } from './feed/feed-service';
import { KnexChangeFeed } from './feed/knex-change-feed';
import { KnexConsumerStore } from './feed/knex-consumer-store';
import { FailedAuthLimiter } from './http/failed-auth-limiter';
import { createHttpsServer, type HttpsServer } from './http/https-server';
import { createInboxQueue, createInboxStore } from './inbox/create-inbox-stores';
import type { EventAdminStore } from './inbox/event-admin-store';
import { KnexEventAdminStore } from './inbox/knex-event-admin-store';
import { JobSchedule } from './jobs/job-schedule';
import { KnexJobLockStore } from './jobs/knex-job-lock-store';
import { KnexRetentionStore } from './jobs/knex-retention-store';
import { RetentionJob } from './jobs/retention-job';
import { Scheduler } from './jobs/scheduler';
import { FileMappingRegistry, type MappingRegistry } from './mapping';
import { createAuthenticators } from './receiver/authenticator-factory';
import { ReceiverService } from './receiver/receiver-service';
import { EntityViewService } from './records/entity-view-service';
import { recordsRouter } from './records/records-router';
import { WalCheckpointer } from './db/wal-checkpointer';
import { RemapService } from './worker/remap-service';
import { InlinePlanner } from './worker/event-planner';
import { SyncWorker } from './worker/sync-worker';
import { ThreadedPlanner } from './worker/threaded-planner';
import { createEntityViewStore, createRecordStore, createRemapStore } from './records/create-record-stores';

export interface Runtime {
  config: Readonly<Config>;
  logger: Logger;
  db: Knex;
  app: Express;
  receiver: ReceiverService;
  /** The mapping files by resource type; hot-reloaded when config mappings.hotReload is on. */
  mappings: MappingRegistry;
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<AddressInfo>;
  /** With `server.tls`: serves the certificate and key files again if they changed (also checked periodically). */
  reloadTls(): Promise<boolean>;
  /** The sync worker; `serve` starts it when worker.enabled, `appdirect-sync worker` runs it alone. */
  worker: SyncWorker;
  /** The change feed and consumer checkpoints, as the HTTP API and the connectors use them. */
  feed: FeedService;
  /** The operator's queries over the inbox: list, show, re-queue, purge. */
  events: EventAdminStore;
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
  /** Graceful stop: no new connections, in-flight requests and their commits finish, then the database closes. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  clock?: Clock;
}

/**
 * The composition root: config → db → migrate → stores → services → http, worker, jobs. Everything is built here and
 * only here; the pieces receive what they need.
 */
export async function buildRuntime(config: Readonly<Config>, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger({ level: config.log.level, format: config.log.format });
  const clock = options.clock ?? systemClock;
  // Before the database: a broken mapping file stops the start with every problem listed (MappingLoadError).
  const mappings = FileMappingRegistry.open(config.mappings.dir, logger);
  if (config.mappings.hotReload) mappings.watch();
  const db = createKnex(config.db);
  const checkpoints = new WalCheckpointer(db, config.db.filename, logger);
  const ran = await migrateLatest(db);
  if (ran.length > 0) logger.info({ migrations: ran }, 'migrations applied');
  const views = new EntityViewService(db, createEntityViewStore(db), mappings, logger);
  await views.refreshOrLog();
  views.follow(mappings);

  warnAboutOpenSources(config, logger);
  const inbox = createInboxStore(db, { lockWaitMs: intakeLockWaitMs(config.server.requestTimeoutMs) });
  const recordStore = createRecordStore(db);
  const planner = config.worker.mappingThread ? new ThreadedPlanner(config.mappings.dir, mappings, logger) : new InlinePlanner(mappings);
  if (planner instanceof ThreadedPlanner) mappings.onReload(() => planner.reload());
  const worker = new SyncWorker(db, createInboxQueue(db), recordStore, mappings, clock, logger, config.worker, planner);
  const notifier = new ChangeNotifier();
  worker.onChanges = () => notifier.notify();
  const feed = new FeedService(new KnexChangeFeed(db), new KnexConsumerStore(db), notifier, clock);
  const events = new KnexEventAdminStore(db);
  const remap = new RemapService({ db, events, records: createRemapStore(db), mappings, worker, clock, logger });
  // One scheduler for every periodic task; a new one (the reconciliation job) is one more registration.
  const scheduler = new Scheduler(clock, logger, { store: new KnexJobLockStore(db), owner: instanceId() });
  const retention = new RetentionJob({ events, store: new KnexRetentionStore(db), consumers: new KnexConsumerStore(db) }, config.retention, logger);
  const jobs = new JobSchedule([retention], scheduler);
  const connectors = createConnectors(config.connectors, { feed, logger, scheduler });
  const receiver = new ReceiverService(inbox, clock, logger, {
    groupCommitMax: config.receiver.groupCommitMax,
    rejectedKeep: config.receiver.rejectedKeep,
    maxDepth: config.receiver.maxDepth,
    onAccepted: () => worker.notify(),
  });
  const limiter = new FailedAuthLimiter({ ...config.auth.failedAuth, db });
  const bearerAuth = createBearerAuth({ db, clock, logger, config, limiter });
  const apiKeyAuth = new ApiKeyAuth(new KnexApiKeyStore(db), clock, limiter);
  const authenticators = createAuthenticators(config.sources, { clock, bearer: bearerAuth.authenticatorFor });
  const app = createApp({
    logger,
    receiver,
    authenticators,
    limiter,
    readiness: new DbReadiness(db),
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    routers: [bearerAuth.tokenRouter, feedRouter(feed, apiKeyAuth), recordsRouter(recordStore, apiKeyAuth)],
  });

  let server: Server | undefined;
  let https: HttpsServer | undefined;
  return {
    config,
    logger,
    db,
    app,
    receiver,
    mappings,
    worker,
    feed,
    events,
    remap,
    jobs,
    views,
    connectors,
    checkpoints,
    listen: async () => {
      await useServingLockWaits(db, config.db.busyTimeoutMs);
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
    reloadTls: async () => (https ? https.reloadIfChanged() : false),
    stop: async () => {
      https?.stopWatching();
      if (server) await closeGracefully(server);
      mappings.close();
      await receiver.drain();
      await jobs.stop();
      await worker.stop();
      await planner.close();
      await views.idle();
      await connectors.stop();
      await checkpoints.stop();
      await db.destroy();
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

/**
 * How long the receiver's commit may wait for a SQLite lock: the request's deadline less a margin for the rest of
 * the request, so the 503 (with Retry-After) leaves before requestTimeoutMs.
 */
function intakeLockWaitMs(requestTimeoutMs: number): number {
  return Math.max(0, requestTimeoutMs - Math.min(1000, requestTimeoutMs / 5));
}

/** Names this process in job locks: host and pid, readable in `job_locks.owner`. */
function instanceId(): string {
  return `${hostname()}:${process.pid}`;
}

function warnAboutOpenSources(config: Readonly<Config>, logger: Logger): void {
  for (const [source, src] of Object.entries(config.sources)) {
    if (src.auth.mode === 'none') {
      logger.warn({ source }, 'source accepts deliveries without authentication; do not use it in production');
    }
  }
}
