import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { ResourceAction } from '../domain/envelope';
import type { DbInboxEventRow } from './inbox-rows';
import type { ClaimedEvent, EventCompletion, InboxQueue } from './inbox-queue';

/** What a claim returns of each event: its envelope columns, attempts and body. */
export type ClaimRow = Pick<
  DbInboxEventRow,
  'id' | 'source' | 'delivery_uuid' | 'resource_type' | 'resource_uuid' | 'resource_action' | 'event_timestamp' | 'received_at'
> & {
  attempts: number;
  /** Null when retention purged it (such events are not claimable in practice: they are done or stale). */
  body: Buffer | null;
};

/** The rows a claim may take: due, unleased (or leased out), oldest first. Parameters: now, now, limit. */
export const CLAIMABLE = `select id from inbox_events
  where status = 'accepted'
    and (lease_until is null or lease_until < ?)
    and (next_attempt_at is null or next_attempt_at <= ?)
  order by id limit ?`;
/** The columns of a claimed row (ClaimRow without its body). */
export const CLAIMED_COLUMNS =
  'id, source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, received_at, attempts';

/**
 * The part of InboxQueue both engines share, on knex. Claim, still-held and complete run on the worker's hot path and
 * are written per engine (SqliteInboxQueue, PgInboxQueue), and so is what guards a give-back (a lease ticket on
 * PostgreSQL, the attempts count on SQLite); createInboxQueue picks one.
 */
export abstract class KnexInboxQueue implements InboxQueue {
  constructor(protected readonly db: Knex) {}

  async claim(limit: number, leaseMs: number, now: Date, trx?: Tx, inHand?: ReadonlySet<number>): Promise<ClaimedEvent[]> {
    const ticket = randomUUID();
    const claim = { ticket, leaseUntil: new Date(now.getTime() + leaseMs).toISOString(), now: now.toISOString(), limit, inHand };
    const rows = await this.claimRows(claim, trx);
    return rows
      .map((r) => ({
        id: asNumber(r.id),
        ticket,
        source: r.source,
        deliveryUuid: r.delivery_uuid,
        resourceType: r.resource_type,
        resourceUuid: r.resource_uuid,
        action: r.resource_action as ResourceAction,
        timestamp: asNumber(r.event_timestamp),
        attempts: r.attempts,
        receivedAt: asDate(r.received_at).getTime(),
        body: r.body ?? Buffer.alloc(0),
      }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * The claim (and its bodies), on `trx` when given (claiming the next batch inside the apply transaction), else on
   * its own.
   */
  protected abstract claimRows(claim: ClaimParams, trx: Tx | undefined): Promise<ClaimRow[]>;

  /**
   * The rows of `e` that a give-back (retryLater) may still change: those nobody ended or gave back since `e` was
   * claimed, so that two workers that gave back one event count one attempt.
   */
  protected abstract givenBackRows(e: ClaimedEvent): Record<string, string | number>;

  abstract stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>>;

  async complete(trx: Tx, completions: EventCompletion[], now: Date): Promise<void> {
    const processedAt = now.toISOString();
    const plain: PlainCompletion[] = [];
    for (const c of completions) {
      if (c.errorCode !== undefined) {
        await trx('inbox_events')
          .where('id', c.id)
          .update({
            ...released(c.status, processedAt),
            mapping_version: c.mappingVersion ?? null,
            error_code: c.errorCode,
            error_detail: JSON.stringify(c.errorDetail ?? null),
          });
        continue;
      }
      plain.push({ id: c.id, status: c.status, mappingVersion: c.mappingVersion ?? null });
    }
    if (plain.length > 0) await this.completePlain(trx, plain, processedAt);
  }

  /** Ends the events with their status and no error, releasing their lease. */
  protected abstract completePlain(trx: Tx, completions: PlainCompletion[], processedAt: string): Promise<void>;

  async retryLater(
    trx: Tx,
    events: ClaimedEvent[],
    error: { code: string; message: string },
    maxAttempts: number,
    backoffMs: (attempt: number) => number,
    now: Date,
  ): Promise<void> {
    for (const e of events) {
      const attempts = e.attempts + 1;
      const detail = JSON.stringify({ message: error.message, attempts });
      const base = trx('inbox_events').where(this.givenBackRows(e));
      if (attempts >= maxAttempts) {
        await base.update({ ...released('dead', now.toISOString()), attempts, error_code: error.code, error_detail: detail });
      } else {
        await base.update({
          attempts,
          claim_ticket: null,
          lease_until: null,
          next_attempt_at: new Date(now.getTime() + backoffMs(attempts)).toISOString(),
          error_code: error.code,
          error_detail: detail,
        });
      }
    }
  }
}

/** What a claim is asked for: lease end and now as ISO text; `inHand` as InboxQueue.claim. */
export interface ClaimParams {
  ticket: string;
  leaseUntil: string;
  now: string;
  limit: number;
  inHand: ReadonlySet<number> | undefined;
}

/** A completion without an error: most of them, written together. */
export interface PlainCompletion {
  id: number;
  status: EventCompletion['status'];
  mappingVersion: string | null;
}

/** The columns that end an event and release its lease. */
export function released(status: string, processedAt: string) {
  return { status, processed_at: processedAt, claim_ticket: null, lease_until: null, next_attempt_at: null };
}
