import { AppdirectApiClient } from '../appdirect-api/appdirect-api-client';
import { BackfillService } from '../backfill/backfill-service';
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
  const worker = wake ? c.worker : undefined;
  return new BackfillService({
    source,
    api,
    inbox: c.stores.inbox,
    checkpoints: c.stores.backfillCheckpoints,
    clock: c.clock,
    logger: c.logger,
    pageSize: c.config.sources[source]?.appdirectApi?.pageSize ?? 100,
    onAccepted: worker ? () => worker.notify() : undefined,
  });
}
