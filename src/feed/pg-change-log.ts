import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import { ChangeChain, type ChangeLog, type NewChange } from './change-log';

/** The advisory lock key that serializes change appends on PostgreSQL ("ADSF" in ASCII). */
export const CHANGE_APPEND_LOCK = 0x41445346;

/** Seqs for an append, taken under the append lock, so in the order they commit. */
const NEXT_SEQS = `select nextval(pg_get_serial_sequence('changes', 'seq')) as seq from generate_series(1, ?::int) order by 1`;

/** One statement for the whole append: a column of arrays each (unnest), whatever the number of changes. */
const INSERT_CHANGES = `insert into changes
    (seq, source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp, mapping_version, cause, created_at, prev_seq)
  select u.seq, u.source, u.entity, u.record_key, u.kind, u.data, u.inbox_event_id, u.event_uuid, u.event_timestamp, u.mapping_version,
    u.cause, ?::timestamptz,
    coalesce(u.prev_seq, (select r.last_change_seq from records r where r.entity = u.entity and r.source = u.source and r.record_key = u.record_key))
  from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[])
    as u(seq, source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp, mapping_version, cause, prev_seq)`;

/** ChangeLog on PostgreSQL: one insert per append under a transaction-scoped advisory lock. */
export class PgChangeLog implements ChangeLog {
  /**
   * Takes a transaction-scoped advisory lock, so seqs are allocated and committed in the same order and a feed
   * reader can never pass a seq that a slower transaction commits later (docs/adr/0007-gap-free-change-feed.md).
   */
  async lockAppends(trx: Tx): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [CHANGE_APPEND_LOCK]);
  }

  async append(trx: Tx, changes: NewChange[], now: Date): Promise<number[]> {
    if (changes.length === 0) return [];
    await this.lockAppends(trx);
    const allocated = (await trx.raw(NEXT_SEQS, [changes.length])) as { rows: { seq: string | number }[] };
    const seqs = allocated.rows.map((r) => asNumber(r.seq));
    const chain = new ChangeChain();
    const prevs = changes.map((c, i) => {
      const prev = chain.prev(c);
      chain.appended(c, seqs[i] as number);
      return prev;
    });
    // Columns of nullable values: the pg driver sends each JS array as one PostgreSQL array, nulls as NULL.
    const params: unknown[] = [
      now.toISOString(),
      seqs,
      changes.map((c) => c.source),
      changes.map((c) => c.entity),
      changes.map((c) => c.key),
      changes.map((c) => c.kind),
      changes.map((c) => c.data),
      changes.map((c) => c.inboxEventId),
      changes.map((c) => c.eventUuid),
      changes.map((c) => c.eventTimestamp),
      changes.map((c) => c.mappingVersion),
      changes.map((c) => c.cause),
      prevs,
    ];
    await trx.raw(INSERT_CHANGES, params as Knex.RawBinding[]);
    return seqs;
  }
}
