import type { Knex } from '../db/create-knex';
import type { KeysetPurge, PurgeKey } from '../db/keyset-purge';
import { withTransaction } from '../db/transaction';
import type { RetentionStore } from './retention-store';

/**
 * Walks `purge` by key in chunks of `chunk` rows: selects the next keys outside any transaction, then deletes them
 * in one short transaction, so writers keep committing between chunks. Returns how many rows were deleted.
 */
export async function purgeInChunks(db: Knex, purge: KeysetPurge, chunk: number): Promise<number> {
  let deleted = 0;
  let last: PurgeKey | undefined;
  for (;;) {
    const keys = await purge.nextKeys(last, chunk);
    if (keys.length === 0) return deleted;
    last = keys[keys.length - 1];
    deleted += await withTransaction(db, (trx) => purge.deleteKeys(trx, keys));
    if (keys.length < chunk) return deleted;
  }
}

/**
 * Raises the feed horizon to `seq` (in its own commit), then deletes every change with a seq at or below it, one
 * short transaction per chunk of `chunk` changes. Returns how many were deleted.
 *
 * @remarks The horizon commits before the first row goes: a reader that misses a row then always sees why
 * (docs/adr/0016-retention.md).
 */
export async function purgeChangesThrough(db: Knex, store: RetentionStore, seq: number, chunk: number, now: Date): Promise<number> {
  await withTransaction(db, (trx) => store.raiseHorizon(trx, seq, now));
  let deleted = 0;
  for (;;) {
    const n = await withTransaction(db, (trx) => store.deleteChangesChunk(trx, seq, chunk));
    deleted += n;
    if (n < chunk) return deleted;
  }
}
