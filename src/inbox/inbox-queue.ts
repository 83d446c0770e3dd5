import type { ResourceAction } from '../domain/envelope';
import type { Tx } from '../db/transaction';

/** Where an inbox event ends. `accepted` is waiting (or leased to a worker). */
export const EVENT_STATUSES = ['accepted', 'done', 'stale', 'failed', 'dead', 'unmapped'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** An event claimed by one worker: on PostgreSQL `ticket` proves its lease when the worker completes it. */
export interface ClaimedEvent {
  id: number;
  ticket: string;
  source: string;
  deliveryUuid: string;
  resourceType: string;
  resourceUuid: string;
  action: ResourceAction;
  timestamp: number;
  attempts: number;
  /** When the delivery was received (epoch ms): the apply lag metric measures from here, at no extra query. */
  receivedAt: number;
  body: Buffer;
}

/** How one event ended, written in the same transaction as its record and change. */
export interface EventCompletion {
  id: number;
  status: Exclude<EventStatus, 'accepted'>;
  errorCode?: string;
  errorDetail?: unknown;
  mappingVersion?: string;
}

/**
 * The worker's side of the inbox: claim, complete inside the apply transaction, or schedule a retry.
 * @remarks On PostgreSQL a claim leases its events under a new ticket: a lease that runs out (the worker crashed)
 * makes the event claimable again under a new ticket, and the old ticket can then no longer complete it. On SQLite a
 * claim writes nothing (docs/adr/0042-sqlite-claim-writes-nothing.md): the apply transaction, which holds SQLite's one
 * write lock, applies only events still waiting. Either way no event is applied twice.
 */
export interface InboxQueue {
  /**
   * Up to `limit` due events, oldest first, under a new ticket (leased under it on PostgreSQL); inside `trx` when
   * given (the worker claims its next batch in the apply transaction). `inHand`: events this worker claimed and has
   * not applied yet, which a claim that leases nothing (SQLite) must skip.
   */
  claim(limit: number, leaseMs: number, now: Date, trx?: Tx, inHand?: ReadonlySet<number>): Promise<ClaimedEvent[]>;
  /**
   * Of `ids`, those this worker may still apply (locked on PostgreSQL): on PostgreSQL those still leased under
   * `ticket`; on SQLite those still waiting (nobody completed them or marked them dead), checked under the write lock.
   */
  stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>>;
  complete(trx: Tx, completions: EventCompletion[], now: Date): Promise<void>;
  /** Gives the events back for a later attempt, or marks them dead once they have had `maxAttempts`, inside `trx`. */
  retryLater(
    trx: Tx,
    events: ClaimedEvent[],
    error: { code: string; message: string },
    maxAttempts: number,
    backoffMs: (attempt: number) => number,
    now: Date,
  ): Promise<void>;
}
