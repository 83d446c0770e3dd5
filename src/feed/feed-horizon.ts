import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';

/**
 * The highest seq retention may have deleted from `changes` (0 before the first purge): the one-row
 * `feed_horizon` table of migration 008. A missing row (a database wiped by hand) reads as 0.
 */
export async function readFeedHorizon(db: Knex | Knex.Transaction): Promise<number> {
  const row = (await db('feed_horizon').where('id', 1).select('purged_through').first()) as { purged_through: number | string } | undefined;
  return row ? asNumber(row.purged_through) : 0;
}

/**
 * Raises the horizon to `seq` (never lowers it). Call in the transaction that deletes changes up to `seq`, so a
 * reader sees either the rows or the horizon that says they are gone (docs/adr/0016-retention.md).
 */
export async function raiseFeedHorizon(trx: Knex.Transaction, seq: number, now: Date): Promise<void> {
  await trx('feed_horizon').insert({ id: 1, purged_through: 0 }).onConflict('id').ignore();
  await trx('feed_horizon')
    .where('id', 1)
    .andWhere('purged_through', '<', seq)
    .update({ purged_through: seq, purged_at: now.toISOString() });
}
