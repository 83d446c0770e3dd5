import type { KeysetPurge } from '../db/keyset-purge';
import type { Tx } from '../db/transaction';
import type { EventStatus } from './inbox-queue';

/** Which inbox events an operator means: every given criterion must hold. Times are received times. */
export interface EventFilter {
  ids?: number[];
  statuses?: EventStatus[];
  source?: string;
  /** Compared without regard to case: `company` finds COMPANY. */
  resourceTypes?: string[];
  /** The envelope's resource.uuid: every event of one record. */
  resourceUuid?: string;
  /** The envelope's uuid: one delivery (and its retries). */
  deliveryUuid?: string;
  since?: Date;
  until?: Date;
  /** Keyset paging (lists are newest first): only events with a smaller id than the last one of the previous page. */
  beforeId?: number;
  limit?: number;
}

/** One line of `events list`: the envelope's key fields and where the event stands. */
export interface EventSummary {
  id: number;
  source: string;
  deliveryUuid: string;
  resourceType: string;
  resourceUuid: string;
  action: string;
  eventTimestamp: number;
  status: EventStatus;
  attempts: number;
  errorCode: string | null;
  receivedAt: Date;
  processedAt: Date | null;
}

/** Everything `events show` prints: the summary plus error detail, mapping version and the stored body. */
export interface EventDetail extends EventSummary {
  principal: string;
  errorDetail: unknown;
  mappingVersion: string | null;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  payloadPurgedAt: Date | null;
  /** Empty once retention purged it. */
  body: Buffer;
  /** Re-sends of the same delivery uuid with a different body, kept in inbox_conflicts (`get` fills it). */
  conflicts?: { count: number; lastReceivedAt: Date | null };
}

/** Outcome of a re-queue: which events went back to `accepted`, and which were refused because they were done. */
export interface RequeueResult {
  requeued: number[];
  /** Done events: a second apply could only be stale; `remap` re-projects them instead. */
  refusedDone: number[];
  /** Events whose payload retention purged: without a body they could only fail. */
  refusedPurged: number[];
  /** Already waiting for (or held by) a worker: left alone. */
  alreadyQueued: number[];
  /** Ids asked for by number that do not exist. */
  missing: number[];
}

/**
 * The operator's view of the inbox: find, inspect and re-drive events, and purge old payloads.
 *
 * @remarks Re-queueing never creates a row: the same event (same delivery uuid) goes back to `accepted`, so
 * dedupe holds, and the worker applies it through the ordering rule like any other event. `done` events are
 * never re-queued (a second apply could only be stale); re-projection of done events is `remap`'s job.
 */
export interface EventAdminStore {
  list(filter: EventFilter): Promise<EventSummary[]>;
  get(id: number): Promise<EventDetail | undefined>;
  /**
   * Puts matching failed, dead, unmapped and stale events back to accepted with attempts 0 and no error, on `trx`
   * (the caller's one transaction: what is reported is what was re-queued).
   */
  requeue(trx: Tx, filter: EventFilter): Promise<RequeueResult>;
  /** Status by id, for reporting after a re-drive. */
  statuses(ids: number[]): Promise<Map<number, { status: EventStatus; errorCode: string | null }>>;
  /**
   * The payloads of done and stale events processed before `before`: each chunk's delete empties their bodies and
   * stamps payload_purged_at with `now`, and counts the payloads purged. The retention job walks it.
   */
  processedPayloads(before: Date, now: Date): KeysetPurge;
  /** The `limit` most recent done or stale events (newest first), bodies included; purged ones too. */
  recentProcessed(limit: number, resourceTypes?: string[]): Promise<EventDetail[]>;
  /** Every stored resource type among events of the given statuses (to match against the mappings). */
  resourceTypesWith(statuses: EventStatus[], source?: string): Promise<string[]>;
}
