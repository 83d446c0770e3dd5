import type { ShapeColumn } from './record-shapes';

/** The columns every destination table has besides the declared fields: the key, the version, the tombstone. */
export const SYSTEM_COLUMNS = [
  'source',
  'record_key',
  'record_version',
  'event_timestamp',
  'mapping_version',
  'deleted_at',
  'synced_at',
] as const;

/** One record's row as a database connector writes it (values still as the record holds them). */
export interface DestinationRow {
  source: string;
  key: string;
  /** The feed seq of the change: higher is newer for the same record, so it is the row's version. */
  version: number;
  eventTimestamp: number;
  mappingVersion: string;
  /** The change's commit time for a deleted record; null otherwise. */
  deletedAt: Date | null;
  /** The declared fields' values (or, for an entity no mapping declares, `{ data }`). */
  values: Record<string, unknown>;
}

/** What became of a batch: rows written, and rows the destination refused for good (by index, with the reason). */
export interface UpsertResult {
  refused: Array<{ index: number; message: string }>;
}

/**
 * One destination database of a database connector: its tables, one per entity, created and extended from the
 * declared fields, and the never-regressing upsert.
 */
export interface DestinationTableStore {
  /**
   * Creates the table when missing; adds declared columns it lacks. Returns the columns added (empty when none).
   * @remarks A column is never dropped or retyped: old files keep importing, and data is never lost to a rename.
   */
  ensureTable(table: string, columns: readonly ShapeColumn[]): Promise<string[]>;
  /**
   * Inserts or updates rows by (source, record_key), only where the stored version is lower: a replayed or older
   * change leaves the row as it is. One row per key in a batch.
   */
  upsert(table: string, columns: readonly ShapeColumn[], rows: readonly DestinationRow[]): Promise<UpsertResult>;
  close(): Promise<void>;
}

/**
 * The database's own words from a knex error: knex prefixes them with the whole statement (on MySQL with the
 * row's values in it), which says nothing more and would copy record data into logs.
 */
export function driverMessage(err: unknown): string {
  const message = (err as Error).message ?? String(err);
  const at = message.lastIndexOf(' - ');
  return (at >= 0 ? message.slice(at + 3) : message).slice(0, 500);
}
