import type { Tx } from '../db/transaction';
import type { ChangeCause, ChangeKind } from '../domain/change';
import type { RecordState } from './apply-event';

/** Identifies one record: per source, entity and key. */
export interface RecordRef {
  source: string;
  entity: string;
  key: string;
}

export interface StoredRecord extends RecordRef, RecordState {
  createdAt: Date;
  updatedAt: Date;
}

/** A record write decided by the worker, with the change to append when the data changed. */
export interface RecordWrite {
  ref: RecordRef;
  next: RecordState;
  change: { kind: ChangeKind; inboxEventId: number | null; cause: ChangeCause } | null;
}

export interface RecordListQuery {
  entity: string;
  source?: string;
  updatedSince?: Date;
  deleted?: boolean;
  /** Keyset position: the (source, key) of the last record of the previous page. */
  after?: { source: string; key: string };
  limit: number;
}

/** Versioned records and their change log. */
export interface RecordStore {
  /** The current state of the named records (locked for the transaction on PostgreSQL). */
  load(trx: Tx, refs: RecordRef[]): Promise<Map<string, RecordState>>;
  /** Upserts the records and appends their changes, in order, inside the caller's transaction. */
  write(trx: Tx, writes: RecordWrite[], now: Date): Promise<void>;
  get(ref: RecordRef): Promise<StoredRecord | undefined>;
  /** One entity's records ordered by (source, key), for the records API. */
  list(query: RecordListQuery): Promise<StoredRecord[]>;
  /** Every record of an entity with no source filter but one key: used by GET /records/:entity/:key. */
  findByKey(entity: string, key: string): Promise<StoredRecord[]>;
}

/** The part of the record store the worker needs: read the batch's records, write their new states. */
export type RecordWriter = Pick<RecordStore, 'load' | 'write'>;

/** The map key of a record reference. */
export function refKey(ref: RecordRef): string {
  return `${ref.source}\u0000${ref.entity}\u0000${ref.key}`;
}
