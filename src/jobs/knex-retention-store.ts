import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';
import type { KeysetPurge, PurgeKey } from '../db/keyset-purge';
import type { Tx } from '../db/transaction';
import { raiseFeedHorizon, readFeedHorizon } from '../feed/feed-horizon';
import type { RetentionStore } from './retention-store';

type Condition = (q: Knex.QueryBuilder) => Knex.QueryBuilder;

/**
 * RetentionStore on knex, on SQLite and PostgreSQL alike.
 * @remarks It lives in jobs/ rather than as a method on each table's store: retention is one policy over many
 * tables, and its deletes share one keyset walk (`keyset`).
 */
export class KnexRetentionStore implements RetentionStore {
  constructor(private readonly db: Knex) {}

  raiseHorizon(trx: Tx, seq: number, now: Date): Promise<void> {
    return raiseFeedHorizon(trx, seq, now);
  }

  async deleteChangesChunk(trx: Tx, through: number, chunk: number): Promise<number> {
    const rows = (await trx('changes').select('seq').where('seq', '<=', through).orderBy('seq').limit(chunk)) as { seq: number | string }[];
    const last = rows[rows.length - 1];
    if (!last) return 0;
    return (await trx('changes').where('seq', '<=', asNumber(last.seq)).delete()) as number;
  }

  horizon(): Promise<number> {
    return readFeedHorizon(this.db);
  }

  async lastSeqBefore(time: Date): Promise<number> {
    const row = (await this.db('changes').where('created_at', '<', time.toISOString()).max({ seq: 'seq' }).first()) as
      { seq: number | string | null } | undefined;
    return row?.seq == null ? 0 : asNumber(row.seq);
  }

  inboxEvents(statuses: readonly string[], column: 'processed_at' | 'received_at', before: Date): KeysetPurge {
    const cond: Condition = (q) => q.whereIn('status', [...statuses]).where(column, '<', before.toISOString());
    return this.keyset('inbox_events', 'id', cond, async (trx, ids) => {
      // Bodies of the rows that are gone; an event re-queued meanwhile kept its row and keeps its body.
      await trx('inbox_payloads')
        .whereIn('event_id', ids)
        .whereNotExists(trx('inbox_events').select(trx.raw('1')).whereRaw('inbox_events.id = inbox_payloads.event_id'))
        .delete();
    });
  }

  conflicts(before: Date): KeysetPurge {
    return this.keyset('inbox_conflicts', 'id', (q) => q.where('received_at', '<', before.toISOString()));
  }

  rejectedDeliveries(before: Date): KeysetPurge {
    return this.keyset('rejected_deliveries', 'id', (q) => q.where('received_at', '<', before.toISOString()));
  }

  oauthTokens(before: Date): KeysetPurge {
    const iso = before.toISOString();
    // A revoked token's row can go once revocation is old: an unknown token is refused just like a revoked one.
    return this.keyset('oauth_tokens', 'token_sha256', (q) =>
      q.where((w) => w.where('expires_at', '<', iso).orWhere('revoked_at', '<', iso)),
    );
  }

  connectorFailures(before: Date): KeysetPurge {
    return this.keyset('connector_failures', 'id', (q) => q.whereNotNull('resolved_at').where('resolved_at', '<', before.toISOString()));
  }

  adminAudit(before: Date): KeysetPurge {
    // admin_audit_at_index (migration 009) finds the old rows; ids grow with time, so the walk by id is in order.
    return this.keyset('admin_audit', 'id', (q) => q.where('at', '<', before.toISOString()));
  }

  /**
   * The keyset walk of `table` by `key` over the rows matching `cond`: the next keys are selected outside any
   * transaction, the delete (of those that still match, plus `after`, for rows of other tables that go with them)
   * runs on the caller's transaction.
   */
  private keyset(table: string, key: string, cond: Condition, after?: (trx: Tx, keys: PurgeKey[]) => Promise<void>): KeysetPurge {
    return {
      nextKeys: async (last, limit) => {
        let q = cond(this.db(table).select(key)).orderBy(key).limit(limit);
        if (last !== undefined) q = q.where(key, '>', last);
        return ((await q) as Record<string, PurgeKey>[]).map((r) => r[key] as PurgeKey);
      },
      deleteKeys: async (trx, keys) => {
        const n = (await cond(trx(table).whereIn(key, keys)).delete()) as number;
        await after?.(trx, keys);
        return n;
      },
    };
  }
}
