import { join } from 'node:path';
import { crmDeliveries } from '../../bench/lib/crm-deliveries';
import { preloadInbox } from '../../bench/lib/preload-inbox';
import type { Knex } from '../../src/db/create-knex';
import { systemClock } from '../../src/core/clock';
import { createInboxQueue } from '../../src/inbox/create-inbox-stores';
import { FileMappingRegistry } from '../../src/mapping';
import { createRecordStore } from '../../src/records/create-record-stores';
import { SyncWorker } from '../../src/worker/sync-worker';
import { ROOT, silentLogger } from '../connectors/connector-fixtures';

export { companyUuid, userUuid } from '../../bench/lib/crm-deliveries';

/** The deliveries of crmDeliveries committed to the inbox and applied by the real worker with the shipped mappings. */
export async function crmChanges(db: Knex, companies: number, usersPerCompany: number, firstEvent = 0): Promise<void> {
  await preloadInbox(db, crmDeliveries(companies, usersPerCompany, firstEvent));
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
