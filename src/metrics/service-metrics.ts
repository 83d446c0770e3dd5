import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../core/clock';
import { routeFamily } from '../http/body-errors';
import { ConnectorMetrics } from './connector-metrics';
import { registerDbGauges } from './db-gauges';
import type { DbSnapshot } from './knex-metrics-store';
import { METRIC_NAMES } from './metric-names';
import { WorkerMetrics, type EntityOf } from './worker-metrics';

/** Where the database gauges come from (KnexMetricsStore in the service). */
export interface DbSnapshotSource {
  snapshot(): Promise<DbSnapshot>;
}

export { METRIC_NAMES } from './metric-names';

/** What the registry is built with besides the database and the clock. */
export interface ServiceMetricsOptions {
  /** How long one scrape's database snapshot is reused (metrics.cacheMs); 2000 by default. */
  cacheMs?: number;
  /** The entity of a resource type (the mapping registry), for the mapping failures' label. */
  entityOf?: EntityOf;
  /** The configured connectors' names, shown from the start. */
  connectors?: readonly string[];
}

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
  /** What the worker of this process ended (counts, apply lag, mapping failures). */
  readonly worker: WorkerMetrics;
  /** The connectors' runs in this process. */
  readonly connectors: ConnectorMetrics;
  readonly limiterRefusals: Counter<'family'>;
  readonly reconcileFindings: Counter<'source' | 'entity' | 'finding'>;
  readonly reconcileLastRun: Gauge<'source' | 'entity'>;
  private cached?: { at: number; value: Promise<DbSnapshot> };

  private readonly cacheMs: number;

  constructor(
    private readonly source: DbSnapshotSource,
    private readonly clock: Clock,
    options: ServiceMetricsOptions = {},
  ) {
    const { cacheMs = 2000, entityOf = () => undefined, connectors = [] } = options;
    this.cacheMs = cacheMs;
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
    registerDbGauges(
      this.registry,
      () => this.snapshot(),
      () => this.clock.now().getTime(),
    );
    this.worker = new WorkerMetrics(this.registry, entityOf);
    this.connectors = new ConnectorMetrics(this.registry, connectors);
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
