import { AppdirectApiClient } from '../appdirect-api/appdirect-api-client';
import { BackfillService } from '../backfill/backfill-service';
import { ReconcileService } from '../backfill/reconcile-service';
import { AppError } from '../core/app-error';
import type { Container } from './container';

/**
 * The REST client of one source's marketplace (`sources.<name>.appdirectApi`).
 * @throws AppError APPDIRECT_API_NOT_CONFIGURED when the source has no appdirectApi section.
 */
export function createAppdirectApi(c: Container, source: string): AppdirectApiClient {
  const api = c.config.sources[source]?.appdirectApi;
  if (!api) {
    throw new AppError('APPDIRECT_API_NOT_CONFIGURED', `source ${JSON.stringify(source)} has no appdirectApi section (docs/backfill.md)`);
  }
  return new AppdirectApiClient(api, c.logger.child({ source }));
}

/** The backfill of one source: its REST client, the inbox, and the checkpoints, waking this process's worker. */
export function createBackfill(c: Container, source: string, wake: boolean): BackfillService {
  const api = c.appdirectApi(source);
  const worker = wake ? c.serviceWorker : undefined;
  return new BackfillService({
    source,
    api,
    inbox: c.stores.inbox,
    checkpoints: c.stores.backfillCheckpoints,
    clock: c.clock,
    logger: c.logger,
    pageSize: c.config.sources[source]?.appdirectApi?.pageSize ?? 100,
    commitItems: c.config.sources[source]?.appdirectApi?.commitItems ?? 500,
    onAccepted: worker ? () => worker.wakeUp() : undefined,
    snapshots: c.snapshots,
    db: c.db,
    listConcurrency: c.config.sources[source]?.appdirectApi?.listConcurrency ?? 1,
  });
}

/** The reconciliation of one source (the job `reconcile:<source>`); its findings are counted by the metrics when on. */
export function createReconcile(c: Container, source: string): ReconcileService {
  const config = c.config.sources[source]?.appdirectApi;
  if (!config) throw new AppError('APPDIRECT_API_NOT_CONFIGURED', `source ${JSON.stringify(source)} has no appdirectApi section`);
  const metrics = c.metrics;
  return new ReconcileService({
    backfill: c.backfill(source, false),
    config,
    records: c.stores.records,
    inbox: c.stores.inbox,
    checkpoints: c.stores.backfillCheckpoints,
    entityOf: (type) => c.mappings.forResourceType(type)?.entity,
    clock: c.clock,
    logger: c.logger,
    onFindings: metrics ? (f) => metrics.countReconcile(f) : undefined,
  });
}
