import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Knex } from '../db/create-knex';
import { withTransaction } from '../db/transaction';
import type { EventAdminStore, EventFilter, RequeueResult } from '../inbox/event-admin-store';
import type { EventStatus } from '../inbox/inbox-queue';
import type { AdminAuditEntry, AdminAuditStore } from './admin-audit-store';

/** Statuses a status filter may send back to the worker. */
const RETRIABLE: readonly EventStatus[] = ['failed', 'dead', 'unmapped', 'stale'];

/**
 * `events retry` and `POST /api/v1/admin/events/.../retry`: the one place with the rules of a re-drive.
 *
 * @remarks Done events are refused (a second apply could only be stale; `remap` re-projects them), purged ones are
 * refused by the store, and a filter without ids only ever selects re-drivable statuses. The re-queue and its audit
 * row (when given) are one transaction, so the audit says exactly what was re-queued.
 */
export class EventRetryService {
  constructor(
    private readonly db: Knex,
    private readonly events: EventAdminStore,
    private readonly audit: AdminAuditStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Re-queues the events `filter` selects (its `ids`, or its status filter, which the caller made sure is given).
   * @throws AppError EVENT_RETRY_REFUSED when the filter asks for done events.
   */
  async retry(filter: EventFilter, audit?: Omit<AdminAuditEntry, 'affected'>): Promise<RequeueResult> {
    if (filter.statuses?.includes('done')) {
      throw new AppError(
        'EVENT_RETRY_REFUSED',
        'done events are not retried (they could only be stale); run `appdirect-sync remap` to re-project records',
      );
    }
    const selected: EventFilter = filter.ids
      ? filter
      : { ...filter, statuses: (filter.statuses ?? []).filter((s) => RETRIABLE.includes(s)) };
    return withTransaction(this.db, async (trx) => {
      const result = await this.events.requeue(trx, selected);
      if (audit) await this.audit.record(trx, { ...audit, affected: { ...result } }, this.clock.now());
      return result;
    });
  }
}
