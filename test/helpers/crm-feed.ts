import { crmDeliveries } from '../../bench/lib/crm-deliveries';
import type { Knex } from '../../src/db/create-knex';
import { applyThroughWorker } from '../connectors/connector-fixtures';

export { companyUuid, userUuid } from '../../bench/lib/crm-deliveries';

/** The deliveries of crmDeliveries committed to the inbox and applied by the real worker with the shipped mappings. */
export async function crmChanges(db: Knex, companies: number, usersPerCompany: number, firstEvent = 0): Promise<void> {
  await applyThroughWorker(db, crmDeliveries(companies, usersPerCompany, firstEvent));
}
