import type { Tx } from '../db/transaction';

/** Where one entity's listing of one source stands. */
export interface BackfillCheckpoint {
  source: string;
  entity: string;
  /** Where an unfinished listing continues; null when the last one completed (or none ran). */
  nextIndex: number | null;
  /** Companies done, for the lists read per company (memberships). */
  parentIndex: number | null;
  /** Items listed and deliveries accepted by the listing in progress (or the last one). */
  listed: number;
  accepted: number;
  /** Snapshot time (epoch ms) of the last complete listing: an incremental reconcile lists what changed since. */
  watermark: number | null;
  runs: number;
  startedAt: Date | null;
  completedAt: Date | null;
}

/**
 * The backfill_checkpoints table, owned by src/backfill: each page's position is saved in the transaction that
 * commits its deliveries to the inbox, so an interrupted backfill continues at the first page not committed.
 */
export interface BackfillCheckpointStore {
  get(source: string, entity: string): Promise<BackfillCheckpoint | undefined>;
  list(source?: string): Promise<BackfillCheckpoint[]>;
  /** Saves it, in `trx` when given (backfill saves a position in the transaction that commits its pages). */
  save(checkpoint: BackfillCheckpoint, now: Date, trx?: Tx): Promise<void>;
}
