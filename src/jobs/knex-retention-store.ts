import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';
import { raiseFeedHorizon, readFeedHorizon } from '../feed/feed-horizon';
import type { RetentionStore } from './retention-store';

type Condition = (q: Knex.QueryBuilder) => Knex.QueryBuilder;

/**
 * RetentionStore on knex, on SQLite and PostgreSQL alike.
 * @remarks It lives in jobs/ rather than as a method on each table's store: retention is one policy over many
 * tables, and its deletes share one keyset walk (`deleteInChunks`).
 */
export class KnexRetentionStore implements RetentionStore {
  constructor(private readonly db: Knex) {}

  async purgeChangesThrough(seq: number, chunk: number, now: Date): Promise<number> {
    // The horizon commits before the first row goes: a reader that misses a row then always sees why.
    await this.db.transaction((trx) => raiseFeedHorizon(trx, seq, now));
    let deleted = 0;
    for (;;) {
      const n = await this.db.transaction(async (trx) => {
        const rows = (await trx('changes').select('seq').where('seq', '<=', seq).orderBy('seq').limit(chunk)) as { seq: number | string }[];
        const last = rows[rows.length - 1];
        if (!last) return 0;
        return (await trx('changes').where('seq', '<=', asNumber(last.seq)).delete()) as number;
      });
      deleted += n;
      if (n < chunk) return deleted;
    }
  }

  horizon(): Promise<number> {
    return readFeedHorizon(this.db);
  }

  async lastSeqBefore(time: Date): Promise<number> {
    const row = (await this.db('changes').where('created_at', '<', time.toISOString()).max({ seq: 'seq' }).first()) as
      { seq: number | string | null } | undefined;
    return row?.seq == null ? 0 : asNumber(row.seq);
  }

  purgeInboxEvents(statuses: readonly string[], column: 'processed_at' | 'received_at', before: Date, chunk: number): Promise<number> {
    const cond: Condition = (q) => q.whereIn('status', [...statuses]).where(column, '<', before.toISOString());
    return this.deleteInChunks('inbox_events', 'id', cond, chunk, async (trx, ids) => {
      // Bodies of the rows that are gone; an event re-queued meanwhile kept its row and keeps its body.
      await trx('inbox_payloads')
        .whereIn('event_id', ids)
        .whereNotExists(trx('inbox_events').select(trx.raw('1')).whereRaw('inbox_events.id = inbox_payloads.event_id'))
        .delete();
    });
  }

  purgeConflicts(before: Date, chunk: number): Promise<number> {
    return this.deleteInChunks('inbox_conflicts', 'id', (q) => q.where('received_at', '<', before.toISOString()), chunk);
  }

  purgeRejectedDeliveries(before: Date, chunk: number): Promise<number> {
    return this.deleteInChunks('rejected_deliveries', 'id', (q) => q.where('received_at', '<', before.toISOString()), chunk);
  }

  purgeOAuthTokens(before: Date, chunk: number): Promise<number> {
    const iso = before.toISOString();
    // A revoked token's row can go once revocation is old: an unknown token is refused just like a revoked one.
    return this.deleteInChunks(
      'oauth_tokens',
      'token_sha256',
      (q) => q.where((w) => w.where('expires_at', '<', iso).orWhere('revoked_at', '<', iso)),
      chunk,
    );
  }

  /**
   * Walks `table` by its key in chunks: selects the next `chunk` keys that match, then deletes those that still
   * match, in one short transaction (plus `after`, for rows of other tables that go with them).
   */
  private async deleteInChunks(
    table: string,
    key: string,
    cond: Condition,
    chunk: number,
    after?: (trx: Knex.Transaction, keys: (number | string)[]) => Promise<void>,
  ): Promise<number> {
    let deleted = 0;
    let last: number | string | undefined;
    for (;;) {
      let q = cond(this.db(table).select(key)).orderBy(key).limit(chunk);
      if (last !== undefined) q = q.where(key, '>', last);
      const keys = ((await q) as Record<string, number | string>[]).map((r) => r[key] as number | string);
      if (keys.length === 0) return deleted;
      last = keys[keys.length - 1];
      deleted += await this.db.transaction(async (trx) => {
        const n = (await cond(trx(table).whereIn(key, keys)).delete()) as number;
        await after?.(trx, keys);
        return n;
      });
      if (keys.length < chunk) return deleted;
    }
  }
}
