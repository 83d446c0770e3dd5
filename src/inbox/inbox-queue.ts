import type { ResourceAction } from '../domain/envelope';
import type { Tx } from '../db/transaction';

/** Where an inbox event ends. `accepted` is waiting (or leased to a worker). */
export const EVENT_STATUSES = ['accepted', 'done', 'stale', 'failed', 'dead', 'unmapped'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** An event leased to one worker: `ticket` proves the lease when the worker completes it. */
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
 * The worker's side of the inbox: claim with a lease, complete inside the apply transaction, or schedule
 * a retry.
 * @remarks A lease that runs out (the worker crashed) makes the event claimable again under a new ticket;
 * the old ticket can then no longer complete it, so no event is applied twice.
 */
export interface InboxQueue {
  /** Leases up to `limit` due events under a new ticket; inside `trx` when given (the worker claims its next batch in the apply transaction). */
  claim(limit: number, leaseMs: number, now: Date, trx?: Tx): Promise<ClaimedEvent[]>;
  /** Of `ids`, those still leased under `ticket` (locked on PostgreSQL): only these may be applied. */
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
