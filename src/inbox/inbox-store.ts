import type { Tx } from '../db/transaction';
import type { Envelope } from '../domain/envelope';

/** A delivery that passed authentication and the envelope check, ready to be committed. */
export interface NewDelivery {
  source: string;
  envelope: Envelope;
  /** The request body exactly as it arrived. */
  body: Buffer;
  bodySha256: string;
  /** Who sent it: `token:<name>`, `oauth2:<client_id>`, `jwt:<sub>` or `anonymous`. */
  principal: string;
  receivedAt: Date;
}

/**
 * What became of one delivery. `duplicate`: same source, uuid and body as an earlier one, nothing added.
 * `conflict`: same source and uuid with another body, kept aside in inbox_conflicts for a person.
 */
export type AcceptOutcome = { status: 'accepted'; id: number } | { status: 'duplicate'; id: number } | { status: 'conflict'; id: number };

/** A delivery from an authenticated sender that was refused, kept for inspection. */
export interface NewRejection {
  source: string;
  principal: string;
  statusCode: number;
  errorCode: string;
  message: string;
  requestId: string;
  remoteAddress: string | undefined;
  bodyBytes: number | undefined;
  bodyExcerpt: Buffer | undefined;
  receivedAt: Date;
}

export interface RejectedDelivery extends NewRejection {
  id: number;
}

export interface StoredInboxEvent {
  id: number;
  source: string;
  deliveryUuid: string;
  resourceType: string;
  resourceUuid: string;
  resourceAction: string;
  eventTimestamp: number;
  body: Buffer;
  principal: string;
  status: string;
  receivedAt: Date;
}

/** The durable intake. */
export interface InboxStore {
  /**
   * Commits the deliveries in one transaction and says what became of each, in order.
   * @remarks When this resolves, every `accepted` and `conflict` row is durable. On any error nothing
   * of the batch is committed.
   */
  acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]>;
  /** Records a rejection and prunes the table down to the newest `keep` rows. */
  recordRejection(rejection: NewRejection, keep: number): Promise<void>;
  listRejections(limit: number): Promise<RejectedDelivery[]>;
  getEvent(source: string, deliveryUuid: string): Promise<StoredInboxEvent | undefined>;
  /**
   * Adds, in the caller's transaction, the deliveries whose (source, uuid) the inbox does not hold yet, and says how
   * many it added. For backfill's snapshots, whose uuid names their content (ADR 0027): a uuid already held is the
   * same content listed again, neither a duplicate to report nor a conflict to keep. A uuid repeated in the batch is
   * added once, with its first body. Durable when `trx` commits (backfill saves its checkpoint in the same one).
   */
  acceptNew(trx: Tx, deliveries: NewDelivery[]): Promise<number>;
  /** Of `uuids`, those the inbox already holds for `source` (backfill skips them: same uuid, same content). */
  knownDeliveryUuids(source: string, uuids: readonly string[]): Promise<Set<string>>;
  countEvents(): Promise<number>;
  countConflicts(): Promise<number>;
}
