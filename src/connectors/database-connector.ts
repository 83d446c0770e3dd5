import type { DatabaseConnectorConfig } from '../config/connector-schema';
import { AppError, isAppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import type { Change } from '../feed/change-feed';
import type { Connector, RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import { driverMessage, type DestinationRow, type DestinationTableStore } from './destination-table-store';
import type { RecordShapes, ShapeColumn } from './record-shapes';
import type { RefusalPolicy } from './refusal-policy';

/** An entity no mapping declares is kept whole in one JSON column. */
const WHOLE_RECORD: ShapeColumn[] = [{ name: 'data', type: 'json', required: false }];

/** One entity's rows of a page, one per record (the newest change of each). */
interface EntityBatch {
  rows: Map<string, { change: Change; row: DestinationRow }>;
}

/**
 * Writes each entity into a table of another database (PostgreSQL, MySQL/MariaDB): one row per record, keyed by
 * source and record key, its declared fields as typed columns, the change's seq as `record_version` and a
 * `deleted_at` for tombstones. Tables are created and extended from the mapping's declared fields at each run.
 * @remarks The upsert never regresses: a row is replaced only by a change with a higher seq, so a replay (a
 * consumer rewind, a crash before the ack) leaves the tables as they are. The checkpoint moves after each page is
 * written. A record the destination refuses for good (a value that does not fit its column) or the output mapping
 * refuses is parked like an http refusal (`onRefused`); a destination that cannot be reached fails the run.
 */
export class DatabaseConnector implements Connector {
  readonly type = 'database';

  constructor(
    readonly name: string,
    private readonly config: DatabaseConnectorConfig,
    private readonly feed: ConnectorFeed,
    private readonly openDestination: () => Promise<DestinationTableStore>,
    private readonly shapes: RecordShapes,
    private readonly refusals: RefusalPolicy,
  ) {}

  async run(ctx: RunContext): Promise<RunResult> {
    const start = await this.feed.checkpoint();
    ctx.progress.start(Math.max(0, (await this.feed.head()) - start));
    await this.refusals.begin();
    let destination: DestinationTableStore | undefined;
    let checkpoint = start;
    let delivered = 0;
    const ensured = new Map<string, ShapeColumn[]>();
    try {
      destination = await this.destination();
      for await (const page of this.feed.pages(start, this.config.batchSize, ctx.signal)) {
        delivered += await this.writePage(destination, page.changes, ensured, ctx.logger);
        await this.feed.ack(page.through);
        checkpoint = page.through;
        ctx.progress.update(checkpoint - start);
      }
    } catch (err) {
      throw isAppError(err) ? err : destinationFailed(this.name, err);
    } finally {
      await destination?.close().catch(() => undefined);
      ctx.progress.stop();
    }
    return { delivered, checkpoint };
  }

  /** Writes one stored change again (a retry of a parked one), with the same never-regressing upsert. */
  async resend(change: Change): Promise<void> {
    const columns = this.columnsOf(change.entity);
    const row = await this.rowOf(change, columns);
    const destination = await this.destination();
    try {
      const table = this.tableOf(change.entity);
      await destination.ensureTable(table, columns);
      const { refused } = await destination.upsert(table, columns, [row]);
      const [first] = refused;
      if (first) throw rowRefused(table, change, first.message);
    } catch (err) {
      throw isAppError(err) ? err : destinationFailed(this.name, err);
    } finally {
      await destination.close().catch(() => undefined);
    }
  }

  async preview(change: Change): Promise<Record<string, unknown> | null> {
    if (this.config.entities.length > 0 && !this.config.entities.includes(change.entity)) return null;
    const columns = this.columnsOf(change.entity);
    const row = await this.rowOf(change, columns);
    return {
      table: this.tableOf(change.entity),
      version: row.version,
      deletedAt: row.deletedAt?.toISOString() ?? null,
      values: row.values,
    };
  }

  /** Writes one page; returns the changes written (parked ones not counted). */
  private async writePage(
    destination: DestinationTableStore,
    changes: Change[],
    ensured: Map<string, ShapeColumn[]>,
    log: Logger,
  ): Promise<number> {
    const batches = new Map<string, EntityBatch>();
    for (const change of changes) {
      const columns = this.columnsOf(change.entity);
      let row: DestinationRow;
      try {
        row = await this.rowOf(change, columns);
      } catch (err) {
        await this.refusals.refused(change, err, log);
        continue;
      }
      let batch = batches.get(change.entity);
      if (!batch) batches.set(change.entity, (batch = { rows: new Map() }));
      // The feed is in order: a later change of the same record in this page replaces the earlier one.
      batch.rows.set(`${change.source}\u0000${change.key}`, { change, row });
    }
    let written = 0;
    for (const [entity, batch] of batches) {
      const table = this.tableOf(entity);
      const columns = await this.ensure(destination, entity, table, ensured, log);
      const entries = [...batch.rows.values()];
      const { refused } = await destination.upsert(
        table,
        columns,
        entries.map((e) => e.row),
      );
      const refusedAt = new Set(refused.map((r) => r.index));
      for (const r of refused) {
        const change = (entries[r.index] as { change: Change }).change;
        await this.refusals.refused(change, rowRefused(table, change, r.message), log);
      }
      for (const [i, e] of entries.entries()) if (!refusedAt.has(i)) await this.refusals.delivered(e.change);
      written += entries.length - refused.length;
    }
    return written;
  }

  /** The table of an entity, created or extended once per run from the declared columns. */
  private async ensure(
    destination: DestinationTableStore,
    entity: string,
    table: string,
    ensured: Map<string, ShapeColumn[]>,
    log: Logger,
  ): Promise<ShapeColumn[]> {
    const known = ensured.get(entity);
    if (known) return known;
    const columns = this.columnsOf(entity);
    const added = await destination.ensureTable(table, columns);
    if (added.length > 0) log.info({ table, added }, 'destination table columns added');
    ensured.set(entity, columns);
    return columns;
  }

  private columnsOf(entity: string): ShapeColumn[] {
    return this.shapes.columns(entity) ?? WHOLE_RECORD;
  }

  private tableOf(entity: string): string {
    return `${this.config.tablePrefix}${entity}`;
  }

  private async rowOf(change: Change, columns: readonly ShapeColumn[]): Promise<DestinationRow> {
    const data = await this.shapes.shape(change);
    const values = columns === WHOLE_RECORD ? { data } : data;
    return {
      source: change.source,
      key: change.key,
      version: change.seq,
      eventTimestamp: change.eventTimestamp,
      mappingVersion: change.mappingVersion,
      deletedAt: change.kind === 'deleted' ? change.createdAt : null,
      values,
    };
  }

  private async destination(): Promise<DestinationTableStore> {
    return this.openDestination();
  }
}

function rowRefused(table: string, change: Change, message: string): AppError {
  return new AppError('CONNECTOR_ROW_REFUSED', `table ${table} refused the row of ${change.entity} ${change.key}: ${message}`, {
    response: message,
  });
}

function destinationFailed(name: string, err: unknown): AppError {
  return new AppError('CONNECTOR_DESTINATION_FAILED', `database connector ${name}: ${driverMessage(err)}`);
}
