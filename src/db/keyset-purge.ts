import type { Tx } from './transaction';

/** The key of a row to purge (an id, a seq, a token hash). */
export type PurgeKey = number | string;

/**
 * One table's rows to purge, walked by key: a store builds it with the purge's condition, the service that
 * orchestrates the purge walks it in chunks and opens one short transaction per chunk.
 *
 * @remarks `deleteKeys` checks the condition again, so a row that changed between `nextKeys` and the delete (an
 * event re-queued, a token re-used) is left alone.
 */
export interface KeysetPurge {
  /** The keys of the next (at most) `limit` matching rows after `after` (from the first when undefined), ascending. */
  nextKeys(after: PurgeKey | undefined, limit: number): Promise<PurgeKey[]>;
  /** Deletes, on `trx`, the rows of `keys` that still match (and what goes with them); returns how many. */
  deleteKeys(trx: Tx, keys: PurgeKey[]): Promise<number>;
}
