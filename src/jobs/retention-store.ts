/**
 * The deletes behind the retention job, one per growing table. Each deletes in keyset chunks of `chunk` rows, one
 * short transaction per chunk, and returns how many rows it deleted.
 *
 * @remarks The conditions are checked again in the statement that deletes, so a row that changed between the
 * select of a chunk and its delete (an event re-queued, a token re-used) is left alone.
 */
export interface RetentionStore {
  /**
   * Raises the feed horizon to `seq` (first, in its own commit), then deletes every change with a seq at or below
   * it. Readers after a cursor below the horizon get FEED_CURSOR_EXPIRED (docs/adr/0016-retention.md).
   */
  purgeChangesThrough(seq: number, chunk: number, now: Date): Promise<number>;
  /** The feed horizon: the highest seq deleted so far (0 before the first purge). */
  horizon(): Promise<number>;
  /** The seq of the newest change created before `time` (0 when none). */
  lastSeqBefore(time: Date): Promise<number>;
  /** Deletes the rows (and bodies) of inbox events with one of `statuses` and `column` before `before`. */
  purgeInboxEvents(statuses: readonly string[], column: 'processed_at' | 'received_at', before: Date, chunk: number): Promise<number>;
  /** Deletes same-uuid conflicts received before `before`. */
  purgeConflicts(before: Date, chunk: number): Promise<number>;
  /** Deletes rejected deliveries received before `before`. */
  purgeRejectedDeliveries(before: Date, chunk: number): Promise<number>;
  /** Deletes OAuth2 tokens that expired, or were revoked, before `before`. */
  purgeOAuthTokens(before: Date, chunk: number): Promise<number>;
}
