import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../core/clock';
import type { EventCompletion } from '../inbox/inbox-queue';
import { routeFamily } from '../http/body-errors';
import type { DbSnapshot } from './knex-metrics-store';

/** Where the database gauges come from (KnexMetricsStore in the service). */
export interface DbSnapshotSource {
  snapshot(): Promise<DbSnapshot>;
}

/** Metric names and label sets: the one list the docs, the alerts and the dashboard refer to. */
export const METRIC_NAMES = {
  httpDuration: 'appdirect_sync_http_request_duration_seconds',
  deliveries: 'appdirect_sync_deliveries_total',
  events: 'appdirect_sync_events',
  oldestUnprocessed: 'appdirect_sync_oldest_unprocessed_delivery_age_seconds',
  changeLogHead: 'appdirect_sync_change_log_head',
  consumerLagChanges: 'appdirect_sync_consumer_lag_changes',
  consumerLagSeconds: 'appdirect_sync_consumer_lag_seconds',
  groupCommitBatch: 'appdirect_sync_group_commit_batch_size',
  workerEvents: 'appdirect_sync_worker_events_total',
  authFailures: 'appdirect_sync_auth_failures_total',
  limiterRefusals: 'appdirect_sync_auth_limiter_refusals_total',
  reconcileFindings: 'appdirect_sync_reconcile_findings_total',
  reconcileLastRun: 'appdirect_sync_reconcile_last_run_timestamp_seconds',
} as const;

/**
 * Every metric of the service in one registry. Counters and histograms are per process and cost an increment on
 * the hot path; the gauges read from the database are computed at scrape (cached `cacheMs`), so several
 * instances on one PostgreSQL report the same values.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly deliveries: Counter<'source' | 'outcome' | 'code'>;
  readonly authFailures: Counter<'family'>;
  readonly groupCommitBatch: Histogram;
  readonly workerEvents: Counter<'status' | 'code'>;
  readonly limiterRefusals: Counter<'family'>;
  readonly reconcileFindings: Counter<'source' | 'entity' | 'finding'>;
  readonly reconcileLastRun: Gauge<'source' | 'entity'>;
  private cached?: { at: number; value: Promise<DbSnapshot> };

  constructor(
    private readonly source: DbSnapshotSource,
    private readonly clock: Clock,
    private readonly cacheMs = 2000,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: METRIC_NAMES.httpDuration,
      help: 'HTTP request duration by method, route pattern (never the raw path) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deliveries = new Counter({
      name: METRIC_NAMES.deliveries,
      help: 'Authenticated webhook deliveries by source and outcome (accepted, duplicate, conflict, rejected with its error code)',
      labelNames: ['source', 'outcome', 'code'],
      registers,
    });
    this.groupCommitBatch = new Histogram({
      name: METRIC_NAMES.groupCommitBatch,
      help: 'Deliveries committed per inbox transaction (group commit)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.workerEvents = new Counter({
      name: METRIC_NAMES.workerEvents,
      help: 'Events the worker of this process ended, by status (done, stale, failed, unmapped, dead) and error code',
      labelNames: ['status', 'code'],
      registers,
    });
    this.authFailures = new Counter({
      name: METRIC_NAMES.authFailures,
      help: 'Requests answered 401 (missing or wrong credentials), by endpoint family (webhook, token, api)',
      labelNames: ['family'],
      registers,
    });
    this.limiterRefusals = new Counter({
      name: METRIC_NAMES.limiterRefusals,
      help: 'Requests refused 429 by the failed-authentication limiter, by endpoint family (webhook, token, api)',
      labelNames: ['family'],
      registers,
    });
    this.reconcileFindings = new Counter({
      name: METRIC_NAMES.reconcileFindings,
      help: 'Records the reconcile job found missing locally (brought in), missing remotely (reported) or tombstoned, by source and entity',
      labelNames: ['source', 'entity', 'finding'],
      registers,
    });
    this.reconcileLastRun = new Gauge({
      name: METRIC_NAMES.reconcileLastRun,
      help: 'When the reconcile job last completed an entity of a source (Unix seconds)',
      labelNames: ['source', 'entity'],
      registers,
    });
    const snap = () => this.snapshot();
    new Gauge({
      name: METRIC_NAMES.events,
      help: 'Inbox events by status (the waiting and attention statuses), from the database',
      labelNames: ['status'],
      registers,
      async collect() {
        for (const [status, n] of (await snap()).eventsByStatus) this.set({ status }, n);
      },
    });
    const clockNow = () => this.clock.now().getTime();
    new Gauge({
      name: METRIC_NAMES.oldestUnprocessed,
      help: 'Age in seconds of the oldest delivery not yet processed by the worker (0 when none waits), from the database',
      registers,
      async collect() {
        const at = (await snap()).oldestUnprocessedAt;
        this.set(at ? Math.max(0, (clockNow() - at.getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: METRIC_NAMES.changeLogHead,
      help: 'Sequence number of the newest change in the change log, from the database',
      registers,
      async collect() {
        this.set((await snap()).changeLogHead);
      },
    });
    new Gauge({
      name: METRIC_NAMES.consumerLagChanges,
      help: 'Changes a named consumer has not acknowledged yet (head minus its cursor), from the database',
      labelNames: ['consumer'],
      registers,
      async collect() {
        const s = await snap();
        this.reset();
        for (const c of s.consumers) this.set({ consumer: c.name }, c.behind);
      },
    });
    new Gauge({
      name: METRIC_NAMES.consumerLagSeconds,
      help: 'Age in seconds of the oldest change a named consumer has not acknowledged (0 when caught up), from the database',
      labelNames: ['consumer'],
      registers,
      async collect() {
        const s = await snap();
        this.reset();
        for (const c of s.consumers) this.set({ consumer: c.name }, c.oldestUnackedSeconds);
      },
    });
  }

  /**
   * Times every request into the duration histogram, labelled by the matched route pattern (`unmatched` for a
   * 404), so a raw path (with ids in it) never becomes a label.
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const path = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof path === 'string' ? req.baseUrl + path : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
        if (res.statusCode === 401) this.authFailures.inc({ family: AUTH_FAMILY[routeFamily(req.originalUrl)] });
        else if (res.statusCode === 429) this.limiterRefusals.inc({ family: AUTH_FAMILY[routeFamily(req.originalUrl)] });
        // Only an authenticated delivery names a configured source: an unknown one must not become a label.
        const webhook = res.locals.webhook as { source?: string } | undefined;
        if (webhook?.source !== undefined) {
          const outcome = res.locals.deliveryOutcome as string | undefined;
          if (outcome !== undefined) this.deliveries.inc({ source: webhook.source, outcome });
          else this.deliveries.inc({ source: webhook.source, outcome: 'rejected', code: String(res.locals.errorCode ?? res.statusCode) });
        }
      });
      next();
    };
  }

  /** Counts how each event of a worker batch ended; the error code is a catalogued one (docs/errors.md). */
  countCompletions(completions: readonly EventCompletion[]): void {
    for (const c of completions) {
      if (c.errorCode === undefined) this.workerEvents.inc({ status: c.status });
      else this.workerEvents.inc({ status: c.status, code: c.errorCode });
    }
  }

  /** Counts one entity's reconcile findings (ReconcileService's observer). */
  countReconcile(f: { source: string; entity: string; missingLocally: number; missingRemotely: number; tombstoned: number }): void {
    const labels = { source: f.source, entity: f.entity };
    this.reconcileFindings.inc({ ...labels, finding: 'missing_locally' }, f.missingLocally);
    this.reconcileFindings.inc({ ...labels, finding: 'missing_remotely' }, f.missingRemotely);
    this.reconcileFindings.inc({ ...labels, finding: 'tombstoned' }, f.tombstoned);
    this.reconcileLastRun.set(labels, this.clock.now().getTime() / 1000);
  }

  /** The database snapshot, shared by the gauges of one scrape and reused for `cacheMs` (per process). */
  private snapshot(): Promise<DbSnapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.cacheMs) {
      const value = this.source.snapshot();
      value.catch(() => (this.cached = undefined));
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }
}

/** The limiter's names for the route families (docs/auth.md). */
const AUTH_FAMILY = { receiver: 'webhook', oauth: 'token', http: 'api' } as const;
