import { EventRetryService } from '../admin/event-retry-service';
import type { Express } from 'express';
import { OauthAdminService } from '../auth/oauth-admin-service';
import type { Config } from '../config/config-schema';
import { ConnectorFailureService } from '../connectors/connector-failure-service';
import type { ConnectorRunner } from '../connectors/connector-runner';
import { systemClock, type Clock } from '../core/clock';
import { createLogger, type Logger } from '../core/logger';
import { createKnex, type Knex } from '../db/create-knex';
import { migrateLatest } from '../db/migration-source';
import { gateConnections, WriteGate } from '../db/write-gate';
import { WalCheckpointer } from '../db/wal-checkpointer';
import { ChangeNotifier } from '../feed/change-notifier';
import { FeedService } from '../feed/feed-service';
import type { EventAdminStore } from '../inbox/event-admin-store';
import type { JobSchedule } from '../jobs/job-schedule';
import { FileMappingRegistry } from '../mapping';
import type { ReceiverService } from '../receiver/receiver-service';
import { EntityViewService } from '../records/entity-view-service';
import type { EventPlanner } from '../worker/event-planner';
import { KnexMetricsStore } from '../metrics/knex-metrics-store';
import { ServiceMetrics } from '../metrics/service-metrics';
import { MappingDiffService } from '../worker/mapping-diff-service';
import { RemapService } from '../worker/remap-service';
import type { SyncWorker } from '../worker/sync-worker';
import type { WorkerHandle } from '../worker/worker-handle';
import { ThreadedWorker } from './threaded-worker';
import type { AppdirectApiClient } from '../appdirect-api/appdirect-api-client';
import type { BackfillService } from '../backfill/backfill-service';
import { createAppdirectApi, createBackfill, createReconcile } from './create-backfill';
import type { ReconcileService } from '../backfill/reconcile-service';
import { ThreadedSnapshotPreparer, type SnapshotPreparer } from '../backfill/snapshot-preparer';
import { createHttpApp } from './create-http-app';
import { createPlanner, createReceiver, createSyncWorker, type WorkerOverrides } from './create-pipeline';
import { createConnectorRunner, createJobLocks, createJobSchedule, createScheduler, type JobLocks } from './create-schedules';
import type { Scheduler } from '../jobs/scheduler';
import { Stores } from './stores';

/** What a container may be given instead of building it from the config. */
export interface ContainerOptions {
  logger?: Logger;
  clock?: Clock;
  /** An open database to use instead of opening `config.db`; whoever opened it closes it. */
  db?: Knex;
  /**
   * `serve` with worker.enabled and worker.thread: the service's worker (serviceWorker) runs on a thread of its own
   * (ADR 0040). Otherwise, and for every other command, it is this container's in-process SyncWorker.
   */
  workerThread?: boolean;
  /** The worker thread's container: its connection takes turns with the serving thread's at this gate (SQLite). */
  writeGate?: WriteGate;
}

/**
 * The composition root: every store, service and schedule of the service is built here (or by the create-*
 * functions of src/compose it calls) and nowhere else, each on first use and then kept. `serve`, `worker` and every CLI command take what they need from one container, so a
 * command that lists events opens the database and one store, never the mappings, the worker or the connectors.
 *
 * @remarks A getter reads only the config sections its piece needs; a CLI command validates only the sections
 * it declares (src/cli/cli-config.ts), so it must not touch a piece whose sections it did not declare.
 * @example
 *   const c = new Container(config);
 *   await c.migrate();
 *   const rows = await c.events.list({ limit: 10 });
 *   await c.close();
 */
export class Container {
  readonly clock: Clock;
  private readonly built = new Map<string, unknown>();
  private migration?: Promise<string[]>;

  constructor(
    readonly config: Readonly<Config>,
    private readonly options: ContainerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  get logger(): Logger {
    return this.once('logger', () => this.options.logger ?? createLogger({ level: this.config.log.level, format: this.config.log.format }));
  }

  get db(): Knex {
    return this.once('db', () => {
      if (this.options.db) return this.options.db;
      const db = createKnex(this.config.db);
      // On SQLite, the serving thread's and the worker thread's connections take turns (ADR 0040).
      const gate = this.writeGate;
      if (gate) gateConnections(db, gate, this.options.writeGate ? 'worker' : 'serving');
      return db;
    });
  }

  /** The gate between this process's two SQLite connections when the worker runs on a thread of its own. */
  private get writeGate(): WriteGate | undefined {
    return this.once('writeGate', () => {
      if (this.config.db.client !== 'sqlite') return undefined;
      if (this.options.writeGate) return this.options.writeGate;
      return this.options.workerThread ? new WriteGate() : undefined;
    });
  }

  /** Every store on this database; see Stores for which implementation each is. */
  get stores(): Stores {
    return this.once('stores', () => new Stores(this.db, { intakeLockWaitMs: intakeLockWaitMs(this.config.server.requestTimeoutMs) }));
  }

  /** Applies pending migrations once; later calls resolve with what the first one applied. */
  migrate(): Promise<string[]> {
    this.migration ??= migrateLatest(this.db);
    return this.migration;
  }

  /** The mapping files; a broken one throws MappingLoadError with every problem. Watched when mappings.hotReload. */
  get mappings(): FileMappingRegistry {
    return this.once('mappings', () => {
      const mappings = FileMappingRegistry.open(this.config.mappings.dir, this.logger);
      if (this.config.mappings.hotReload) mappings.watch();
      return mappings;
    });
  }

  get checkpoints(): WalCheckpointer {
    return this.once('checkpoints', () => new WalCheckpointer(this.db, this.config.db.filename, this.logger));
  }

  /** The entity views, following every mapping reload. */
  get views(): EntityViewService {
    return this.once('views', () => {
      const views = new EntityViewService(this.db, this.stores.entityViews, this.mappings, this.logger);
      views.follow(this.mappings);
      return views;
    });
  }

  get planner(): EventPlanner {
    return this.once('planner', () => createPlanner(this));
  }

  /** Wakes the feed's long polls when the worker commits changes. */
  get notifier(): ChangeNotifier {
    return this.once('notifier', () => new ChangeNotifier());
  }

  get worker(): SyncWorker {
    return this.once('worker', () => {
      const worker = this.createWorker();
      worker.onChanges = () => this.notifier.notify();
      return worker;
    });
  }

  /**
   * The worker the service runs and the receiver, the backfill, the feed and the metrics talk to: on a thread of its
   * own with options.workerThread (its own connection and mappings), else `worker` itself.
   */
  get serviceWorker(): WorkerHandle {
    return this.once('serviceWorker', () => {
      if (!this.options.workerThread) return this.worker;
      const threaded = new ThreadedWorker(this.config, this.logger, this.writeGate);
      threaded.onChanges = () => this.notifier.notify();
      return threaded;
    });
  }

  /** A worker on this container's stores; the container's own is `worker`, tests of the engine build more. */
  createWorker(overrides: WorkerOverrides = {}): SyncWorker {
    return createSyncWorker(this, overrides);
  }

  get feed(): FeedService {
    return this.once('feed', () => new FeedService(this.stores.changeFeed, this.stores.consumers, this.notifier, this.clock));
  }

  /** The operator's queries over the inbox: list, show, re-queue, purge. */
  get events(): EventAdminStore {
    return this.stores.eventAdmin;
  }

  /** The rules of a re-drive, for `events retry` and the admin API (audited there). */
  get eventRetry(): EventRetryService {
    return this.once('eventRetry', () => new EventRetryService(this.db, this.events, this.stores.adminAudit, this.clock));
  }

  get remap(): RemapService {
    return this.once(
      'remap',
      () =>
        new RemapService({
          db: this.db,
          events: this.events,
          records: this.stores.remap,
          mappings: this.mappings,
          worker: this.worker,
          clock: this.clock,
          logger: this.logger,
        }),
    );
  }

  /** `mappings diff`: the files on disk against what is stored; it is given the mappings to compare. */
  get mappingDiff(): MappingDiffService {
    return this.once('mappingDiff', () => new MappingDiffService(this.events, this.stores.records, this.stores.remap));
  }

  get receiver(): ReceiverService {
    return this.once('receiver', () => createReceiver(this));
  }

  /** The Prometheus registry of this process; undefined when `metrics.enabled` is false. */
  get metrics(): ServiceMetrics | undefined {
    return this.once('metrics', () =>
      this.config.metrics.enabled
        ? new ServiceMetrics(new KnexMetricsStore(this.db, this.feed), this.clock, {
            cacheMs: this.config.metrics.cacheMs,
            entityOf: (type) => this.mappings.forResourceType(type)?.entity,
            connectors: Object.keys(this.config.connectors),
          })
        : undefined,
    );
  }

  /** The express app: receiver, OAuth2 token endpoint, feed and records APIs (see createHttpApp). */
  get app(): Express {
    return this.once('app', () => createHttpApp(this));
  }

  /** The REST client of a source's marketplace, one per source (its token and rate limiter are shared by every use). */
  appdirectApi(source: string): AppdirectApiClient {
    return this.once(`appdirectApi:${source}`, () => createAppdirectApi(this, source));
  }

  /** Parses backfill's listed pages into deliveries on a thread of its own (ADR 0036), for every source. */
  get snapshots(): SnapshotPreparer {
    return this.once('snapshots', () => new ThreadedSnapshotPreparer(this.logger));
  }

  /** The backfill of a source; `wake`: commits wake this process's worker (the CLI drains it after each page). */
  backfill(source: string, wake = false): BackfillService {
    return this.once(`backfill:${source}`, () => createBackfill(this, source, wake));
  }

  /** The reconciliation of a source against its marketplace (the job `reconcile:<source>`). */
  reconcile(source: string): ReconcileService {
    return this.once(`reconcile:${source}`, () => createReconcile(this, source));
  }

  /** The `clients` and `users` commands' service. */
  get oauthAdmin(): OauthAdminService {
    return this.once('oauthAdmin', () => {
      const { oauthClients: clients, oauthUsers: users, oauthTokens: tokens } = this.stores;
      return new OauthAdminService({ db: this.db, clients, users, tokens, clock: this.clock, sources: this.config.sources });
    });
  }

  // The schedules, built in src/compose/create-schedules.ts: periodic jobs and connectors, both under job locks.

  get jobLocks(): JobLocks {
    return this.once('jobLocks', () => createJobLocks(this));
  }

  /** The one scheduler: retention and the connectors register their tasks on it, under the job locks. */
  get scheduler(): Scheduler {
    return this.once('scheduler', () => createScheduler(this));
  }

  get jobs(): JobSchedule {
    return this.once('jobs', () => createJobSchedule(this));
  }

  /** The configured connectors, scheduled under `serve`; runs take the job lock `connector:<name>`. */
  get connectors(): ConnectorRunner {
    return this.once('connectors', () => createConnectorRunner(this, true));
  }

  /** The connectors for `connectors run`: without job locks, as that command has always run them. */
  get connectorsOnDemand(): ConnectorRunner {
    return this.once('connectorsOnDemand', () => createConnectorRunner(this, false));
  }

  /** Parked changes of the connectors this process schedules (the admin API under `serve`). */
  get connectorFailures(): ConnectorFailureService {
    return this.once('connectorFailures', () => this.failureService(this.connectors));
  }

  /** Parked changes for the CLI, retried through the on-demand connectors (as `connectors run` runs them). */
  get connectorFailuresOnDemand(): ConnectorFailureService {
    return this.once('connectorFailuresOnDemand', () => this.failureService(this.connectorsOnDemand));
  }

  private failureService(runner: ConnectorRunner): ConnectorFailureService {
    const entitiesOf = (name: string) => this.config.connectors[name]?.entities ?? [];
    return new ConnectorFailureService(this.stores.connectorFailures, runner, this.feed, this.clock, entitiesOf);
  }

  /** Stops what was built, in order: intake, schedules, worker, mapping thread, snapshot thread, views, connectors; then the database. */
  async close(): Promise<void> {
    this.peek<FileMappingRegistry>('mappings')?.close();
    await this.peek<ReceiverService>('receiver')?.drain();
    await this.peek<JobSchedule>('jobs')?.stop();
    await this.peek<WorkerHandle>('serviceWorker')?.stop();
    await this.peek<SyncWorker>('worker')?.stop();
    await this.peek<EventPlanner>('planner')?.close();
    await this.peek<SnapshotPreparer>('snapshots')?.close();
    await this.peek<EntityViewService>('views')?.idle();
    await this.peek<ConnectorRunner>('connectors')?.stop();
    await this.peek<ConnectorRunner>('connectorsOnDemand')?.stop();
    await this.peek<WalCheckpointer>('checkpoints')?.stop();
    if (!this.options.db) await this.peek<Knex>('db')?.destroy();
  }

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }

  private peek<T>(name: string): T | undefined {
    return this.built.get(name) as T | undefined;
  }
}

/**
 * How long the receiver's commit may wait for a SQLite lock: the request's deadline less a margin for the rest of
 * the request, so the 503 (with Retry-After) leaves before requestTimeoutMs.
 */
function intakeLockWaitMs(requestTimeoutMs: number): number {
  return Math.max(0, requestTimeoutMs - Math.min(1000, requestTimeoutMs / 5));
}
