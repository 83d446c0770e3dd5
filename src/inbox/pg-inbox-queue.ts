import { chunks } from '../db/chunks';
import { asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import { CLAIMABLE, CLAIMED_COLUMNS, KnexInboxQueue, released, type ClaimRow } from './knex-inbox-queue';

// Concurrent workers skip each other's rows instead of waiting or double-claiming; the bodies come in the same statement.
const CLAIM = `with claimed as (
    update inbox_events set claim_ticket = ?, lease_until = ? where id in (${CLAIMABLE} for update skip locked)
    returning ${CLAIMED_COLUMNS})
  select claimed.*, p.body from claimed left join inbox_payloads p on p.event_id = claimed.id`;

/**
 * InboxQueue on PostgreSQL: a claim is one statement (FOR UPDATE SKIP LOCKED, bodies joined), so it needs no
 * transaction of its own; still-held locks the rows it returns for the apply transaction.
 */
export class PgInboxQueue extends KnexInboxQueue {
  protected async claimRows(params: (string | number)[], trx: Tx | undefined): Promise<ClaimRow[]> {
    const result = (await (trx ?? this.db).raw(CLAIM, params)) as { rows: ClaimRow[] };
    return result.rows;
  }

  async stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>> {
    const held = new Set<number>();
    for (const chunk of chunks(ids, 500)) {
      const q = trx('inbox_events').select('id').whereIn('id', chunk).andWhere({ claim_ticket: ticket, status: 'accepted' }).forUpdate();
      for (const r of (await q) as { id: number | string }[]) held.add(asNumber(r.id));
    }
    return held;
  }

  protected async completeAll(trx: Tx, ids: number[], status: string, processedAt: string, mappingVersion: string | null): Promise<void> {
    for (const chunk of chunks(ids, 500)) {
      await trx('inbox_events')
        .whereIn('id', chunk)
        .update({ ...released(status, processedAt), mapping_version: mappingVersion, error_code: null, error_detail: null });
    }
  }
}
