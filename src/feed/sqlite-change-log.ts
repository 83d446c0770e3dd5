import { prepared, sqliteConnectionOf } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import { ChangeChain, changeRow, type ChangeLog, type NewChange } from './change-log';

// prev_seq: an earlier change of this append (@prev_seq), else the record's newest change before this transaction.
const INSERT_CHANGE = `insert into changes
  (source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp, mapping_version, cause, created_at, prev_seq)
  values (@source, @entity, @record_key, @kind, @data, @inbox_event_id, @event_uuid, @event_timestamp, @mapping_version, @cause, @created_at,
    coalesce(@prev_seq, (select last_change_seq from records where entity = @entity and source = @source and record_key = @record_key)))`;

/**
 * ChangeLog on SQLite: one statement prepared once per connection, run on the caller's transaction (the worker
 * appends thousands of changes a second through it; docs/adr/0002-sqlite-group-commit.md).
 */
export class SqliteChangeLog implements ChangeLog {
  /** SQLite has one writer at a time already: appends are serialized without a lock. */
  async lockAppends(): Promise<void> {}

  async append(trx: Tx, changes: NewChange[], now: Date): Promise<number[]> {
    if (changes.length === 0) return [];
    const createdAt = now.toISOString();
    const insert = prepared(await sqliteConnectionOf(trx), INSERT_CHANGE);
    const chain = new ChangeChain();
    return changes.map((c) => {
      const seq = Number(insert.run({ ...changeRow(c, createdAt), prev_seq: chain.prev(c) }).lastInsertRowid);
      chain.appended(c, seq);
      return seq;
    });
  }
}
