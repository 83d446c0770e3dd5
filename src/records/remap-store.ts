import type { Tx } from '../db/transaction';
import type { ChangeKind } from '../domain/change';
import type { RecordRef } from './record-store';
import type { RecordVersion } from './record-version';

/** Which records a remap covers. */
export interface RemapScope {
  entity?: string;
  source?: string;
}

/**
 * A record with what is needed to map it again: the body of the inbox event that produced it (null when that
 * event's payload was purged or the row is gone) and its stored redacted content.
 */
export interface RemapCandidate {
  ref: RecordRef;
  data: string;
  rawContent: string | null;
  version: RecordVersion;
  mappingVersion: string;
  deleted: boolean;
  /** Type and uuid of the producing inbox event, when it still exists. */
  resourceType: string | null;
  resourceUuid: string | null;
  body: Buffer | null;
}

/**
 * A re-projected record. `expected*` is what the record held when it was read: the update applies only if the
 * record still holds it, so a worker applying a newer event meanwhile wins and the remap leaves that record alone.
 */
export interface RemapUpdate {
  ref: RecordRef;
  expectedEventUuid: string;
  expectedData: string;
  data: string;
  mappingVersion: string;
  /** Null when only the mapping version moves (the data came out the same). */
  change: ChangeKind | null;
  version: RecordVersion;
}

/** How a chunk of remap updates went. */
export interface RemapWriteResult {
  changed: number;
  versionOnly: number;
  /** Records that moved on since they were read (a worker applied a newer event): left alone. */
  raced: number;
}

/** The change a given inbox event appended, for `mappings diff`. */
export interface StoredChange {
  ref: RecordRef;
  kind: ChangeKind;
  data: string;
}

/** Record reads and writes for re-projection (`remap`, `mappings diff`). */
export interface RemapStore {
  count(scope: RemapScope): Promise<number>;
  /** Records in key order after `after` (exclusive): stable paging while the records are rewritten. */
  page(scope: RemapScope, after: RecordRef | undefined, limit: number): Promise<RemapCandidate[]>;
  /**
   * Writes the updates and appends one change (cause `remap`, no inbox event) per changed record, inside the
   * caller's transaction. The record's version (event uuid, timestamp, action) never moves.
   */
  applyRemap(trx: Tx, updates: RemapUpdate[], now: Date): Promise<RemapWriteResult>;
  changeOf(inboxEventId: number): Promise<StoredChange | undefined>;
}
