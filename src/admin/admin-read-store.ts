import type { RecordLinks } from '../domain/record-links';
import type { RecordRef } from '../records/record-store';

/** A keyset page request: newest first, `beforeId` continues after the last id of the previous page. */
export interface PageQuery {
  limit: number;
  beforeId?: number;
}

/** One change of a record's history, as the admin API shows it. */
export interface RecordChange {
  seq: number;
  kind: string;
  cause: string;
  inboxEventId: number | null;
  eventUuid: string;
  eventTimestamp: number;
  mappingVersion: string;
  createdAt: Date;
  data: unknown;
  links: RecordLinks;
}

/** A re-send of a stored delivery uuid with another body, beside the event that kept the first body. */
export interface ConflictRow {
  id: number;
  source: string;
  deliveryUuid: string;
  principal: string;
  receivedAt: Date;
  bodySha256: string;
  body: string;
  kept: {
    eventId: number;
    status: string;
    resourceType: string;
    resourceUuid: string;
    receivedAt: Date;
    bodySha256: string;
    body: string | null;
  };
}

/** A delivery refused after authentication (rejected_deliveries). */
export interface RejectedRow {
  id: number;
  source: string;
  principal: string;
  statusCode: number;
  errorCode: string;
  message: string;
  requestId: string;
  remoteAddress: string | null;
  bodyBytes: number | null;
  bodyExcerpt: string | null;
  receivedAt: Date;
}

/** The admin API's read-only queries that no stage store answers: an event's record, conflicts, rejections. */
export interface AdminReadStore {
  /** The record the event changed (from its change), or undefined when it changed none. */
  recordOfEvent(eventId: number): Promise<RecordRef | undefined>;
  /** The record's changes, newest first, at most `limit`. */
  history(ref: RecordRef, limit: number): Promise<RecordChange[]>;
  conflicts(page: PageQuery): Promise<ConflictRow[]>;
  rejected(page: PageQuery & { source?: string }): Promise<RejectedRow[]>;
}
