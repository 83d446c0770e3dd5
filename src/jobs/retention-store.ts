import type { KeysetPurge } from '../db/keyset-purge';
import type { Tx } from '../db/transaction';

/**
 * The deletes behind the retention job, one per growing table. The store opens no transaction: the job walks each
 * purge in keyset chunks (`purgeInChunks`, `purgeChangesThrough` in jobs/chunked-purges.ts), one short transaction
 * per chunk.
 *
 * @remarks The conditions are checked again in the statement that deletes, so a row that changed between the
 * select of a chunk and its delete (an event re-queued, a token re-used) is left alone.
 */
export interface RetentionStore {
  /**
   * Raises the feed horizon to `seq` (never lowers it). Commit it before deleting the changes under it: readers after
   * a cursor below the horizon get FEED_CURSOR_EXPIRED (docs/adr/0016-retention.md).
   */
  raiseHorizon(trx: Tx, seq: number, now: Date): Promise<void>;
  /** Deletes the oldest (at most) `chunk` changes with a seq at or below `through`; returns how many. */
  deleteChangesChunk(trx: Tx, through: number, chunk: number): Promise<number>;
  /** The feed horizon: the highest seq deleted so far (0 before the first purge). */
  horizon(): Promise<number>;
  /** The seq of the newest change created before `time` (0 when none). */
  lastSeqBefore(time: Date): Promise<number>;
  /** The rows (and bodies) of inbox events with one of `statuses` and `column` before `before`. */
  inboxEvents(statuses: readonly string[], column: 'processed_at' | 'received_at', before: Date): KeysetPurge;
  /** Same-uuid conflicts received before `before`. */
  conflicts(before: Date): KeysetPurge;
  /** Rejected deliveries received before `before`. */
  rejectedDeliveries(before: Date): KeysetPurge;
  /** OAuth2 tokens that expired, or were revoked, before `before`. */
  oauthTokens(before: Date): KeysetPurge;
  /** Connector failures resolved (retried or skipped) before `before`; parked ones are never purged. */
  connectorFailures(before: Date): KeysetPurge;
  /** Rows of the admin audit trail written before `before`. */
  adminAudit(before: Date): KeysetPurge;
}
