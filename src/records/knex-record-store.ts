import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { ResourceAction } from '../domain/envelope';
import type { ChangeLog, NewChange } from '../feed/change-log';
import type { RecordState } from './apply-event';
import type { DbRecordRow } from './record-rows';
import { refKey, type RecordListQuery, type RecordRef, type RecordStore, type RecordWrite, type StoredRecord } from './record-store';

/** The columns of a record row the ordering rule reads (toState). */
export type StateRow = Omit<DbRecordRow, 'source' | 'entity' | 'record_key' | 'created_at' | 'updated_at'>;

/** The `records` row a write stores. */
export type RecordInsert = ReturnType<typeof recordRow>;

/**
 * The part of RecordStore both engines share, on knex. Load and write run on the worker's hot path and are written per
 * engine (SqliteRecordStore, PgRecordStore); createRecordStore picks one. Changes go to the feed's ChangeLog, in the
 * caller's transaction.
 */
export abstract class KnexRecordStore implements RecordStore {
  constructor(
    protected readonly db: Knex,
    private readonly changeLog: ChangeLog,
  ) {}

  abstract load(trx: Tx, refs: RecordRef[]): Promise<Map<string, RecordState>>;

  async write(trx: Tx, writes: RecordWrite[], now: Date): Promise<void> {
    const nowIso = now.toISOString();
    const changed = writes.filter((w) => w.change !== null);
    // Changes first: on PostgreSQL the append lock is held to commit, and the records' own locks came before it (load).
    // They link to the records' last_change_seq as it stands before this batch's upserts.
    const seqs = await this.changeLog.append(trx, changed.map(newChange), now);
    const lastChange = new Map<string, number>();
    changed.forEach((w, i) => lastChange.set(refKey(w.ref), seqs[i] as number));
    // Several events of one batch may touch one record: only its last state is written.
    const finalStates = new Map<string, RecordInsert>();
    for (const w of writes) {
      const key = refKey(w.ref);
      finalStates.set(key, recordRow(w, nowIso, lastChange.get(key) ?? null));
    }
    await this.upsert(trx, [...finalStates.values()]);
  }

  /**
   * Inserts or replaces the records, inside `trx`. A null `last_change_seq` (no change this batch) keeps the stored one.
   */
  protected abstract upsert(trx: Tx, records: RecordInsert[]): Promise<void>;

  async get(ref: RecordRef): Promise<StoredRecord | undefined> {
    const row = (await this.db('records').where({ source: ref.source, entity: ref.entity, record_key: ref.key }).first()) as
      DbRecordRow | undefined;
    return row ? toStored(row) : undefined;
  }

  async list(query: RecordListQuery): Promise<StoredRecord[]> {
    let q = this.db('records')
      .where('entity', query.entity)
      .orderBy([{ column: 'source' }, { column: 'record_key' }])
      .limit(query.limit);
    if (query.source !== undefined) q = q.andWhere('source', query.source);
    if (query.updatedSince) q = q.andWhere('updated_at', '>=', query.updatedSince.toISOString());
    if (query.deleted !== undefined) q = q.andWhere('deleted', query.deleted);
    const after = query.after;
    if (after)
      q = q.andWhere((w) =>
        w.where('source', '>', after.source).orWhere((x) => x.where('source', after.source).andWhere('record_key', '>', after.key)),
      );
    return ((await q) as DbRecordRow[]).map(toStored);
  }

  async findByKey(entity: string, key: string): Promise<StoredRecord[]> {
    return ((await this.db('records').where({ entity, record_key: key }).orderBy('source')) as DbRecordRow[]).map(toStored);
  }
}

function toStored(row: DbRecordRow): StoredRecord {
  return {
    source: row.source,
    entity: row.entity,
    key: row.record_key,
    ...toState(row),
    createdAt: asDate(row.created_at),
    updatedAt: asDate(row.updated_at),
  };
}

/** A record's state as the ordering rule sees it, from its row. */
export function toState(row: StateRow): RecordState {
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

function recordRow(w: RecordWrite, nowIso: string, lastChangeSeq: number | null) {
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
    last_change_seq: lastChangeSeq,
  };
}

function newChange(w: RecordWrite): NewChange {
  return {
    source: w.ref.source,
    entity: w.ref.entity,
    key: w.ref.key,
    kind: w.change?.kind ?? 'updated',
    data: w.next.data,
    inboxEventId: w.change?.inboxEventId ?? null,
    eventUuid: w.next.version.uuid,
    eventTimestamp: w.next.version.timestamp,
    mappingVersion: w.next.mappingVersion,
    cause: w.change?.cause ?? 'event',
  };
}
