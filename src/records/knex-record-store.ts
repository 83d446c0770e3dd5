import type { Knex } from 'knex';
import { lockChangeAppends } from '../db/change-append-lock';
import { chunks } from '../db/chunks';
import { lockRecords } from '../db/record-locks';
import { asDate, asNumber } from '../db/column-values';
import type { DbRecordRow } from './record-rows';
import { prepared, sqliteConnectionOf } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import type { ResourceAction } from '../domain/envelope';
import type { RecordState } from './apply-event';
import { refKey, type RecordListQuery, type RecordRef, type RecordStore, type RecordWrite, type StoredRecord } from './record-store';


/** What the ordering rule reads of a record (toState): not its identity, which the caller has, nor its times. */
const STATE_COLUMNS = 'data, raw_content, event_uuid, event_timestamp, event_action, mapping_version, data_timestamp, data_action, data_uuid, deleted';
const SELECT_STATE = `select ${STATE_COLUMNS} from records where source = ? and entity = ? and record_key = ?`;
const UPSERT = `insert into records
  (source, entity, record_key, data, raw_content, event_uuid, event_timestamp, event_action, mapping_version,
   data_timestamp, data_action, data_uuid, deleted, created_at, updated_at)
  values (@source, @entity, @record_key, @data, @raw_content, @event_uuid, @event_timestamp, @event_action, @mapping_version,
   @data_timestamp, @data_action, @data_uuid, @deleted, @created_at, @updated_at)
  on conflict (source, entity, record_key) do update set
    data = excluded.data, raw_content = excluded.raw_content, event_uuid = excluded.event_uuid,
    event_timestamp = excluded.event_timestamp, event_action = excluded.event_action,
    mapping_version = excluded.mapping_version, data_timestamp = excluded.data_timestamp,
    data_action = excluded.data_action, data_uuid = excluded.data_uuid, deleted = excluded.deleted,
    updated_at = excluded.updated_at`;
const INSERT_CHANGE = `insert into changes
  (source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp, mapping_version, cause, created_at)
  values (@source, @entity, @record_key, @kind, @data, @inbox_event_id, @event_uuid, @event_timestamp, @mapping_version, @cause, @created_at)`;

const MERGED_COLUMNS = ['data', 'raw_content', 'event_uuid', 'event_timestamp', 'event_action', 'mapping_version', 'data_timestamp', 'data_action', 'data_uuid', 'deleted', 'updated_at'];

/**
 * Records and the change log on knex.
 * @remarks On SQLite the per-row statements are prepared once per connection (the worker writes thousands of
 * rows a second through them); on PostgreSQL rows go in multi-row statements and the records of a batch are
 * locked first (lockRecords), so two workers cannot apply events to one record at once.
 */
export class KnexRecordStore implements RecordStore {
  constructor(private readonly db: Knex) {}

  async load(trx: Tx, refs: RecordRef[]): Promise<Map<string, RecordState>> {
    const out = new Map<string, RecordState>();
    const sqlite = await sqliteConnectionOf(trx);
    if (sqlite) {
      const select = prepared(sqlite, SELECT_STATE);
      for (const ref of refs) {
        const row = select.get(ref.source, ref.entity, ref.key) as StateRow | undefined;
        if (row) out.set(refKey(ref), toState(row));
      }
      return out;
    }
    await lockRecords(trx, refs.map(refKey));
    for (const chunk of chunks(refs, 300)) {
      const rows = (await trx('records').whereIn(['source', 'entity', 'record_key'], chunk.map((r) => [r.source, r.entity, r.key]))) as DbRecordRow[];
      for (const row of rows) out.set(refKey({ source: row.source, entity: row.entity, key: row.record_key }), toState(row));
    }
    return out;
  }

  async write(trx: Tx, writes: RecordWrite[], now: Date): Promise<void> {
    const nowIso = now.toISOString();
    const changes = writes.filter((w) => w.change !== null).map((w) => changeRow(w, nowIso));
    // Several events of one batch may touch one record: only its last state is written.
    const finalStates = new Map<string, ReturnType<typeof recordRow>>();
    for (const w of writes) finalStates.set(refKey(w.ref), recordRow(w, nowIso));
    const records = [...finalStates.values()];

    const sqlite = await sqliteConnectionOf(trx);
    if (sqlite) {
      const insertChange = prepared(sqlite, INSERT_CHANGE);
      for (const c of changes) insertChange.run(c);
      const upsert = prepared(sqlite, UPSERT);
      for (const r of records) upsert.run({ ...r, deleted: r.deleted ? 1 : 0 });
      return;
    }
    if (changes.length > 0) await lockChangeAppends(trx);
    for (const chunk of chunks(changes, 500)) await trx('changes').insert(chunk);
    for (const chunk of chunks(records, 500)) {
      await trx('records')
        .insert(chunk)
        .onConflict(['source', 'entity', 'record_key'])
        .merge(MERGED_COLUMNS);
    }
  }

  async get(ref: RecordRef): Promise<StoredRecord | undefined> {
    const row = (await this.db('records').where({ source: ref.source, entity: ref.entity, record_key: ref.key }).first()) as DbRecordRow | undefined;
    return row ? toStored(row) : undefined;
  }

  async list(query: RecordListQuery): Promise<StoredRecord[]> {
    let q = this.db('records').where('entity', query.entity).orderBy([{ column: 'source' }, { column: 'record_key' }]).limit(query.limit);
    if (query.source !== undefined) q = q.andWhere('source', query.source);
    if (query.updatedSince) q = q.andWhere('updated_at', '>=', query.updatedSince.toISOString());
    if (query.deleted !== undefined) q = q.andWhere('deleted', query.deleted);
    const after = query.after;
    if (after) q = q.andWhere((w) => w.where('source', '>', after.source).orWhere((x) => x.where('source', after.source).andWhere('record_key', '>', after.key)));
    return ((await q) as DbRecordRow[]).map(toStored);
  }

  async findByKey(entity: string, key: string): Promise<StoredRecord[]> {
    return ((await this.db('records').where({ entity, record_key: key }).orderBy('source')) as DbRecordRow[]).map(toStored);
  }
}

type StateRow = Omit<DbRecordRow, 'source' | 'entity' | 'record_key' | 'created_at' | 'updated_at'>;

function toStored(row: DbRecordRow): StoredRecord {
  return { source: row.source, entity: row.entity, key: row.record_key, ...toState(row), createdAt: asDate(row.created_at), updatedAt: asDate(row.updated_at) };
}

function toState(row: StateRow): RecordState {
  return {
    data: row.data,
    rawContent: row.raw_content,
    version: { timestamp: asNumber(row.event_timestamp), action: row.event_action as ResourceAction, uuid: row.event_uuid },
    dataVersion:
      row.data_uuid === null || row.data_timestamp === null
        ? null
        : { timestamp: asNumber(row.data_timestamp), action: row.data_action as ResourceAction, uuid: row.data_uuid },
    mappingVersion: row.mapping_version,
    deleted: row.deleted === true || row.deleted === 1,
  };
}

function recordRow(w: RecordWrite, nowIso: string) {
  return {
    source: w.ref.source,
    entity: w.ref.entity,
    record_key: w.ref.key,
    data: w.next.data,
    raw_content: w.next.rawContent,
    event_uuid: w.next.version.uuid,
    event_timestamp: w.next.version.timestamp,
    event_action: w.next.version.action,
    mapping_version: w.next.mappingVersion,
    data_timestamp: w.next.dataVersion?.timestamp ?? null,
    data_action: w.next.dataVersion?.action ?? null,
    data_uuid: w.next.dataVersion?.uuid ?? null,
    deleted: w.next.deleted,
    created_at: nowIso,
    updated_at: nowIso,
  };
}

function changeRow(w: RecordWrite, nowIso: string) {
  return {
    source: w.ref.source,
    entity: w.ref.entity,
    record_key: w.ref.key,
    kind: w.change?.kind ?? 'updated',
    data: w.next.data,
    inbox_event_id: w.change?.inboxEventId ?? null,
    event_uuid: w.next.version.uuid,
    event_timestamp: w.next.version.timestamp,
    mapping_version: w.next.mappingVersion,
    cause: w.change?.cause ?? 'event',
    created_at: nowIso,
  };
}
