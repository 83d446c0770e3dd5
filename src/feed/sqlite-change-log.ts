import { prepared, sqliteConnectionOf } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import { changeRow, type ChangeLog, type NewChange } from './change-log';

const INSERT_CHANGE = `insert into changes
  (source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp, mapping_version, cause, created_at)
  values (@source, @entity, @record_key, @kind, @data, @inbox_event_id, @event_uuid, @event_timestamp, @mapping_version, @cause, @created_at)`;

/**
 * ChangeLog on SQLite: one statement prepared once per connection, run on the caller's transaction (the worker
 * appends thousands of changes a second through it; docs/adr/0002-sqlite-group-commit.md).
 */
export class SqliteChangeLog implements ChangeLog {
  /** SQLite has one writer at a time already: appends are serialized without a lock. */
  async lockAppends(): Promise<void> {}

  async append(trx: Tx, changes: NewChange[], now: Date): Promise<void> {
    if (changes.length === 0) return;
    const createdAt = now.toISOString();
    const insert = prepared(await sqliteConnectionOf(trx), INSERT_CHANGE);
    for (const c of changes) insert.run(changeRow(c, createdAt));
  }
}
