import { createHash } from 'node:crypto';
import { chunks } from '../db/chunks';
import type { Tx } from '../db/transaction';
import type { RecordState } from './apply-event';
import { KnexRecordStore, toState, type RecordInsert } from './knex-record-store';
import type { DbRecordRow } from './record-rows';
import { refKey, type RecordRef } from './record-store';

const MERGED_COLUMNS = [
  'data',
  'raw_content',
  'event_uuid',
  'event_timestamp',
  'event_action',
  'mapping_version',
  'data_timestamp',
  'data_action',
  'data_uuid',
  'deleted',
  'updated_at',
];

/**
 * RecordStore on PostgreSQL: rows go in multi-row statements, and the records of a batch are locked first
 * (lockRecords), so two workers cannot apply events to one record at once.
 */
export class PgRecordStore extends KnexRecordStore {
  async load(trx: Tx, refs: RecordRef[]): Promise<Map<string, RecordState>> {
    const out = new Map<string, RecordState>();
    await lockRecords(trx, refs.map(refKey));
    for (const chunk of chunks(refs, 300)) {
      const rows = (await trx('records').whereIn(
        ['source', 'entity', 'record_key'],
        chunk.map((r) => [r.source, r.entity, r.key]),
      )) as DbRecordRow[];
      for (const row of rows) out.set(refKey({ source: row.source, entity: row.entity, key: row.record_key }), toState(row));
    }
    return out;
  }

  protected async upsert(trx: Tx, records: RecordInsert[]): Promise<void> {
    for (const chunk of chunks(records, 500)) {
      await trx('records').insert(chunk).onConflict(['source', 'entity', 'record_key']).merge(MERGED_COLUMNS);
    }
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
