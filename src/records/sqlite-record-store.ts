import { prepared, sqliteConnectionOf } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import type { RecordState } from './apply-event';
import { KnexRecordStore, toState, type RecordInsert, type StateRow } from './knex-record-store';
import { refKey, type RecordRef } from './record-store';

/** What the ordering rule reads of a record (toState): not its identity, which the caller has, nor its times. */
const STATE_COLUMNS =
  'data, raw_content, event_uuid, event_timestamp, event_action, mapping_version, data_timestamp, data_action, data_uuid, deleted';
const SELECT_STATE = `select ${STATE_COLUMNS} from records where source = ? and entity = ? and record_key = ?`;
const UPSERT = `insert into records
  (source, entity, record_key, data, raw_content, event_uuid, event_timestamp, event_action, mapping_version,
   data_timestamp, data_action, data_uuid, deleted, created_at, updated_at, last_change_seq)
  values (@source, @entity, @record_key, @data, @raw_content, @event_uuid, @event_timestamp, @event_action, @mapping_version,
   @data_timestamp, @data_action, @data_uuid, @deleted, @created_at, @updated_at, @last_change_seq)
  on conflict (source, entity, record_key) do update set
    data = excluded.data, raw_content = excluded.raw_content, event_uuid = excluded.event_uuid,
    event_timestamp = excluded.event_timestamp, event_action = excluded.event_action,
    mapping_version = excluded.mapping_version, data_timestamp = excluded.data_timestamp,
    data_action = excluded.data_action, data_uuid = excluded.data_uuid, deleted = excluded.deleted,
    updated_at = excluded.updated_at, last_change_seq = coalesce(excluded.last_change_seq, records.last_change_seq)`;

/**
 * RecordStore on SQLite: the per-row statements are prepared once per connection (the worker writes thousands of
 * rows a second through them) and run on the caller's transaction. SQLite has one writer at a time, so records need
 * no lock.
 */
export class SqliteRecordStore extends KnexRecordStore {
  async load(trx: Tx, refs: RecordRef[]): Promise<Map<string, RecordState>> {
    const out = new Map<string, RecordState>();
    const select = prepared(await sqliteConnectionOf(trx), SELECT_STATE);
    for (const ref of refs) {
      const row = select.get(ref.source, ref.entity, ref.key) as StateRow | undefined;
      if (row) out.set(refKey(ref), toState(row));
    }
    return out;
  }

  protected async upsert(trx: Tx, records: RecordInsert[]): Promise<void> {
    const upsert = prepared(await sqliteConnectionOf(trx), UPSERT);
    for (const r of records) upsert.run({ ...r, deleted: r.deleted ? 1 : 0 });
  }
}
