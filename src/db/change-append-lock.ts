import type { Knex } from 'knex';
import { dialectOf } from './create-knex';

/** The advisory lock key that serializes change appends on PostgreSQL ("ADSF" in ASCII). */
export const CHANGE_APPEND_LOCK = 0x41445346;

/**
 * Call inside a transaction right before appending to `changes`. On PostgreSQL it takes a transaction-scoped
 * advisory lock, so seqs are allocated and committed in the same order and a feed reader can never pass a seq
 * that a slower transaction commits later (docs/adr/0007-gap-free-change-feed.md). SQLite has one writer at a
 * time already, so there it does nothing.
 */
export async function lockChangeAppends(trx: Knex.Transaction): Promise<void> {
  if (dialectOf(trx) === 'pg') await trx.raw('select pg_advisory_xact_lock(?)', [CHANGE_APPEND_LOCK]);
}
