import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { ClaimedEvent } from './inbox-queue';
import { CLAIMABLE, CLAIMED_COLUMNS, KnexInboxQueue, type ClaimParams, type ClaimRow, type PlainCompletion } from './knex-inbox-queue';

// Concurrent workers skip each other's rows instead of waiting or double-claiming; the bodies come in the same statement.
const CLAIM = `with claimed as (
    update inbox_events set claim_ticket = ?, lease_until = ? where id in (${CLAIMABLE} for update skip locked)
    returning ${CLAIMED_COLUMNS})
  select claimed.*, p.body from claimed left join inbox_payloads p on p.event_id = claimed.id`;
// A batch's ids go in as one array, whatever their number: one round trip each.
const HELD = `select id from inbox_events where id = any(?::bigint[]) and claim_ticket = ? and status = 'accepted' for update`;
// Every plain completion of a batch in one statement, whatever its statuses and mapping versions.
const COMPLETE = `update inbox_events e
  set status = u.status, processed_at = ?::timestamptz, mapping_version = u.mapping_version, claim_ticket = null,
      lease_until = null, next_attempt_at = null, error_code = null, error_detail = null
  from unnest(?::bigint[], ?::text[], ?::text[]) as u(id, status, mapping_version)
  where e.id = u.id`;

/**
 * InboxQueue on PostgreSQL: a claim is one statement (FOR UPDATE SKIP LOCKED, bodies joined), so it needs no
 * transaction of its own; still-held locks the rows it returns for the apply transaction.
 */
export class PgInboxQueue extends KnexInboxQueue {
  /** Leased rows are not claimable: PostgreSQL needs no `inHand`. */
  protected async claimRows(c: ClaimParams, trx: Tx | undefined): Promise<ClaimRow[]> {
    const result = (await (trx ?? this.db).raw(CLAIM, [c.ticket, c.leaseUntil, c.now, c.now, c.limit])) as { rows: ClaimRow[] };
    return result.rows;
  }

  /** Only the lease's holder gives an event back: a crashed worker's late give-back under an old ticket changes nothing. */
  protected givenBackRows(e: ClaimedEvent): Record<string, string | number> {
    return { id: e.id, claim_ticket: e.ticket, status: 'accepted' };
  }

  async stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>> {
    const { rows } = (await trx.raw(HELD, [ids, ticket])) as { rows: { id: number | string }[] };
    return new Set(rows.map((r) => asNumber(r.id)));
  }

  protected async completePlain(trx: Tx, completions: PlainCompletion[], processedAt: string): Promise<void> {
    const params: unknown[] = [
      processedAt,
      completions.map((c) => c.id),
      completions.map((c) => c.status),
      completions.map((c) => c.mappingVersion),
    ];
    await trx.raw(COMPLETE, params as Knex.RawBinding[]);
  }
}
