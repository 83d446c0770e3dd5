import { chunks } from '../db/chunks';
import type { Tx } from '../db/transaction';
import { changeRow, type ChangeLog, type NewChange } from './change-log';

/** The advisory lock key that serializes change appends on PostgreSQL ("ADSF" in ASCII). */
export const CHANGE_APPEND_LOCK = 0x41445346;

/** ChangeLog on PostgreSQL: multi-row inserts under a transaction-scoped advisory lock. */
export class PgChangeLog implements ChangeLog {
  /**
   * Takes a transaction-scoped advisory lock, so seqs are allocated and committed in the same order and a feed
   * reader can never pass a seq that a slower transaction commits later (docs/adr/0007-gap-free-change-feed.md).
   */
  async lockAppends(trx: Tx): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [CHANGE_APPEND_LOCK]);
  }

  async append(trx: Tx, changes: NewChange[], now: Date): Promise<void> {
    if (changes.length === 0) return;
    await this.lockAppends(trx);
    const createdAt = now.toISOString();
    for (const chunk of chunks(changes, 500)) await trx('changes').insert(chunk.map((c) => changeRow(c, createdAt)));
  }
}
