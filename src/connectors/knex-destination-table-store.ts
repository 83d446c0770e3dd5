import type { Knex } from 'knex';
import {
  createDestinationKnex,
  ensureDestinationSchema,
  type DestinationClient,
  type DestinationOptions,
} from '../db/create-destination-knex';
import {
  driverMessage,
  SYSTEM_COLUMNS,
  type DestinationRow,
  type DestinationTableStore,
  type UpsertResult,
} from './destination-table-store';
import type { ColumnType, ShapeColumn } from './record-shapes';

/**
 * Column types per engine: exact decimals, timestamps with time zone where the engine has them (MySQL/MariaDB have
 * none: DATETIME(3) holding UTC, the session runs in UTC), JSON as JSON.
 */
const COLUMN_TYPES: Record<DestinationClient, Record<ColumnType, string>> = {
  pg: {
    string: 'text',
    enum: 'text',
    integer: 'bigint',
    decimal: 'numeric',
    boolean: 'boolean',
    date: 'date',
    datetime: 'timestamptz',
    json: 'jsonb',
    collection: 'jsonb',
  },
  mysql: {
    string: 'text',
    enum: 'text',
    integer: 'bigint',
    decimal: 'decimal(65,30)',
    boolean: 'boolean',
    date: 'date',
    datetime: 'datetime(3)',
    json: 'json',
    collection: 'json',
  },
};

/** Errors that say "this row's values do not fit", not "the database is unreachable": the row is parked. */
function isRowRefusal(client: DestinationClient, err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  // PostgreSQL class 22 is "data exception" (too long, out of range, bad datetime or JSON); 23502 a NOT NULL and
  // 23514 a CHECK constraint the destination's owner added.
  if (client === 'pg') return typeof e.code === 'string' && (e.code.startsWith('22') || e.code === '23502' || e.code === '23514');
  // Data too long, out of range, incorrect value, incorrect datetime, invalid JSON, truncated, NULL refused, CHECK.
  return [1406, 1264, 1366, 1292, 3140, 1265, 1048, 4025, 3819].includes(e.errno ?? 0);
}

/** DestinationTableStore on knex, for PostgreSQL (pg) and MySQL/MariaDB (mysql2). */
export class KnexDestinationTableStore implements DestinationTableStore {
  private readonly client: DestinationClient;

  private constructor(
    private readonly db: Knex,
    options: DestinationOptions,
  ) {
    this.client = options.client;
  }

  /** Opens the destination (creating the PostgreSQL schema when given and missing). */
  static async open(options: DestinationOptions): Promise<KnexDestinationTableStore> {
    const db = createDestinationKnex(options);
    try {
      await ensureDestinationSchema(db, options);
    } catch (err) {
      await db.destroy();
      throw err;
    }
    return new KnexDestinationTableStore(db, options);
  }

  async ensureTable(table: string, columns: readonly ShapeColumn[]): Promise<string[]> {
    const types = COLUMN_TYPES[this.client];
    const clash = columns.find((c) => (SYSTEM_COLUMNS as readonly string[]).includes(c.name));
    if (clash) throw new Error(`field ${clash.name} of table ${table} has the name of a column the connector keeps itself`);
    if (!(await this.db.schema.hasTable(table))) {
      await this.db.schema.createTable(table, (t) => {
        t.string('source', 128).notNullable();
        t.string('record_key', 255).notNullable();
        t.bigInteger('record_version').notNullable();
        t.bigInteger('event_timestamp').notNullable();
        t.string('mapping_version', 32).notNullable();
        t.specificType('deleted_at', types.datetime).nullable();
        t.specificType('synced_at', types.datetime).notNullable();
        for (const c of columns) t.specificType(c.name, types[c.type]).nullable();
        t.primary(['source', 'record_key'], `${table}_pkey`);
      });
      return columns.map((c) => c.name);
    }
    const existing = Object.keys(await this.db(table).columnInfo()).map((n) => n.toLowerCase());
    const missing = columns.filter((c) => !existing.includes(c.name.toLowerCase()));
    if (missing.length > 0) {
      await this.db.schema.alterTable(table, (t) => {
        for (const c of missing) t.specificType(c.name, types[c.type]).nullable();
      });
    }
    return missing.map((c) => c.name);
  }

  async upsert(table: string, columns: readonly ShapeColumn[], rows: readonly DestinationRow[]): Promise<UpsertResult> {
    if (rows.length === 0) return { refused: [] };
    const records = rows.map((r) => destinationRecord(this.client, r, columns));
    try {
      await this.write(table, columns, records);
      return { refused: [] };
    } catch (err) {
      if (!isRowRefusal(this.client, err)) throw err;
    }
    // One row did not fit: write them one by one, so only the rows that do not fit are refused.
    const refused: UpsertResult['refused'] = [];
    for (const [index, record] of records.entries()) {
      try {
        await this.write(table, columns, [record]);
      } catch (err) {
        if (!isRowRefusal(this.client, err)) throw err;
        refused.push({ index, message: driverMessage(err) });
      }
    }
    return { refused };
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  /** The never-regressing upsert: only a higher record_version replaces a stored row. */
  private async write(table: string, columns: readonly ShapeColumn[], records: Array<Record<string, unknown>>): Promise<void> {
    const updated = [...columns.map((c) => c.name), 'event_timestamp', 'mapping_version', 'deleted_at', 'synced_at'];
    if (this.client === 'pg') {
      await this.db(table)
        .insert(records)
        .onConflict(['source', 'record_key'])
        .merge([...updated, 'record_version'])
        .whereRaw('?? < excluded.record_version', [`${table}.record_version`]);
      return;
    }
    // MySQL evaluates ON DUPLICATE KEY UPDATE assignments left to right on the row as updated so far: every column
    // compares against the stored version first, and record_version itself is assigned last.
    const merge: Record<string, Knex.Raw> = {};
    for (const c of updated) merge[c] = this.db.raw('if(values(??) > ??, values(??), ??)', ['record_version', 'record_version', c, c]);
    merge.record_version = this.db.raw('greatest(??, values(??))', ['record_version', 'record_version']);
    await this.db(table).insert(records).onConflict(['source', 'record_key']).merge(merge);
  }
}

/** A row's column values as the engine takes them (exported for bench:connector-db's plain-insert baseline). */
export function destinationRecord(
  client: DestinationClient,
  row: DestinationRow,
  columns: readonly ShapeColumn[],
): Record<string, unknown> {
  const instant = (iso: string): unknown => (client === 'pg' ? iso : new Date(iso));
  const out: Record<string, unknown> = {
    source: row.source,
    record_key: row.key,
    record_version: row.version,
    event_timestamp: row.eventTimestamp,
    mapping_version: row.mappingVersion,
    deleted_at: row.deletedAt === null ? null : instant(row.deletedAt.toISOString()),
    synced_at: instant(new Date().toISOString()),
  };
  for (const c of columns) out[c.name] = columnValue(c.type, row.values[c.name], instant);
  return out;
}

/** The column types of an engine (exported for the baseline's tables). */
export function columnTypeOf(client: DestinationClient, type: ColumnType): string {
  return COLUMN_TYPES[client][type];
}

/** PostgreSQL takes ISO text for timestamptz; MySQL a Date, written in the session's UTC. */
function columnValue(type: ColumnType, v: unknown, instant: (iso: string) => unknown): unknown {
  if (v === undefined || v === null) return null;
  if (type === 'json' || type === 'collection') return JSON.stringify(v);
  if (type === 'datetime' && typeof v === 'string') return instant(v);
  if ((type === 'string' || type === 'enum') && typeof v !== 'string') return typeof v === 'object' ? JSON.stringify(v) : String(v);
  return v;
}
