import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import type { Tx } from '../db/transaction';
import type { RecordState } from './apply-event';
import { KnexRecordStore, toState, type RecordInsert } from './knex-record-store';
import type { DbRecordRow } from './record-rows';
import { refKey, type RecordRef } from './record-store';

/** The batch's records in one statement, however many: their identities go in as three arrays (unnest). */
const LOAD = `select r.source, r.entity, r.record_key, r.data, r.raw_content, r.event_uuid, r.event_timestamp, r.event_action,
    r.mapping_version, r.data_timestamp, r.data_action, r.data_uuid, r.deleted
  from unnest(?::text[], ?::text[], ?::text[]) as u(source, entity, record_key)
  join records r on r.entity = u.entity and r.source = u.source and r.record_key = u.record_key`;

/** The batch's record writes in one statement: one array per column (unnest). Keys are unique within a batch. */
const UPSERT = `insert into records
    (source, entity, record_key, data, raw_content, event_uuid, event_timestamp, event_action, mapping_version,
     data_timestamp, data_action, data_uuid, deleted, last_change_seq, created_at, updated_at)
  select u.*, ?::timestamptz, ?::timestamptz
  from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[],
    ?::bigint[], ?::text[], ?::text[], ?::boolean[], ?::bigint[])
    as u(source, entity, record_key, data, raw_content, event_uuid, event_timestamp, event_action, mapping_version,
      data_timestamp, data_action, data_uuid, deleted, last_change_seq)
  on conflict (entity, source, record_key) do update set
    data = excluded.data, raw_content = excluded.raw_content, event_uuid = excluded.event_uuid,
    event_timestamp = excluded.event_timestamp, event_action = excluded.event_action,
    mapping_version = excluded.mapping_version, data_timestamp = excluded.data_timestamp,
    data_action = excluded.data_action, data_uuid = excluded.data_uuid, deleted = excluded.deleted,
    updated_at = excluded.updated_at, last_change_seq = coalesce(excluded.last_change_seq, records.last_change_seq)`;

/**
 * RecordStore on PostgreSQL: a batch's records are read in one statement and written in one (arrays, unnest), and
 * locked first (lockRecords), so two workers cannot apply events to one record at once.
 */
export class PgRecordStore extends KnexRecordStore {
  async load(trx: Tx, refs: RecordRef[]): Promise<Map<string, RecordState>> {
    const out = new Map<string, RecordState>();
    await lockRecords(trx, refs.map(refKey));
    if (refs.length === 0) return out;
    const params = [refs.map((r) => r.source), refs.map((r) => r.entity), refs.map((r) => r.key)];
    const { rows } = (await trx.raw(LOAD, params)) as { rows: DbRecordRow[] };
    for (const row of rows) out.set(refKey({ source: row.source, entity: row.entity, key: row.record_key }), toState(row));
    return out;
  }

  protected async upsert(trx: Tx, records: RecordInsert[]): Promise<void> {
    const first = records[0];
    if (!first) return;
    const column = <K extends keyof RecordInsert>(name: K) => records.map((r) => r[name]);
    // Columns of nullable values: the pg driver sends each JS array as one PostgreSQL array, nulls as NULL.
    const params: unknown[] = [
      first.created_at,
      first.updated_at,
      column('source'),
      column('entity'),
      column('record_key'),
      column('data'),
      column('raw_content'),
      column('event_uuid'),
      column('event_timestamp'),
      column('event_action'),
      column('mapping_version'),
      column('data_timestamp'),
      column('data_action'),
      column('data_uuid'),
      column('deleted'),
      column('last_change_seq'),
    ];
    await trx.raw(UPSERT, params as Knex.RawBinding[]);
  }
}

/**
 * Serializes workers that apply events to the same records, on PostgreSQL. Claims (FOR UPDATE SKIP LOCKED) give
 * each worker different events, but two events of one record can still sit in two workers' batches; without a
 * lock both would read the same old state, and the later commit would win whatever the versions say. A row lock
 * is not enough: a record that does not exist yet has no row to lock. So every record of the batch gets a
 * transaction-scoped advisory lock on a 64-bit hash of its identity, taken in ascending order so that two workers
 * can never wait on each other in a cycle. (SQLite has one writer at a time and needs none.)
 */
async function lockRecords(trx: Tx, identities: string[]): Promise<void> {
  if (identities.length === 0) return;
  const keys = [...new Set(identities.map(lockKey))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  // OFFSET 0 keeps the sorted subquery from being flattened, so the locks are taken in that order.
  await trx.raw('select pg_advisory_xact_lock(k) from (select k from unnest(?::bigint[]) as k order by k offset 0) as ordered', [keys]);
}

function lockKey(identity: string): string {
  return createHash('sha256').update(identity).digest().readBigInt64BE(0).toString();
}
