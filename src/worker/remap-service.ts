import type { Knex } from 'knex';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { withTransaction } from '../db/transaction';
import type { EventAdminStore, EventFilter } from '../inbox/event-admin-store';
import type { MappingRegistry } from '../mapping';
import type { RecordRef } from '../records/record-store';
import type { RemapCandidate, RemapStore, RemapUpdate } from '../records/remap-store';
import { driveEvents, type DrivenEvent, type Tickable } from './drive-events';
import { reprojectRecord } from './reproject-record';

export interface RemapOptions {
  entity?: string;
  source?: string;
  /** Records read, mapped and written per transaction. */
  chunkSize?: number;
  /** Called after each chunk with the records checked so far and the total. */
  onProgress?: (checked: number, total: number) => void;
}

/** What one remap did; the CLI prints it as the summary. */
export interface RemapSummary {
  /** Unmapped and failed events sent back to the worker because a mapping now handles their type. */
  requeued: number;
  /** Where those events ended after the worker ran. */
  events: DrivenEvent[];
  checked: number;
  changed: number;
  unchanged: number;
  /** Same data, only the mapping version moved. */
  versionOnly: number;
  /** The current mapping fails on the stored content: the record is left as it was. */
  failed: number;
  skipped: number;
  /** Records a worker moved on while the remap ran: left to the worker's newer state. */
  raced: number;
}

export interface RemapServiceDeps {
  /** The database the remap's transactions run on (the re-queue, then one per chunk of records). */
  db: Knex;
  events: EventAdminStore;
  records: RemapStore;
  mappings: MappingRegistry;
  worker: Tickable;
  clock: Clock;
  logger: Logger;
}

/**
 * Re-projection after a mapping fix or a new mapping: re-drives the events that had no (working) mapping, and
 * re-runs the current mapping over every existing record.
 *
 * @remarks
 * - A record whose data comes out different gets its new data and mapping version and exactly one change
 *   (cause `remap`, no inbox event); the same data gets at most a new mapping version and no change, so a
 *   second remap appends nothing.
 * - The record's version (event uuid, timestamp, action) never moves: the ordering rule still sees the record
 *   as the product of the same delivery.
 * - A deleted record stays deleted; its data is refreshed and the change is of kind `deleted`, so a consumer
 *   that only reads the kind never sees it come back.
 */
export class RemapService {
  constructor(private readonly deps: RemapServiceDeps) {}

  async run(options: RemapOptions = {}): Promise<RemapSummary> {
    const { events, records, mappings, worker, clock, logger } = this.deps;
    const mapped = mappings.all().filter((m) => !options.entity || m.entity === options.entity);
    if (options.entity && mapped.length === 0) {
      throw new AppError('REMAP_UNKNOWN_ENTITY', `no mapping file produces entity ${JSON.stringify(options.entity)}`, {
        entity: options.entity,
      });
    }
    const summary: RemapSummary = {
      requeued: 0,
      events: [],
      checked: 0,
      changed: 0,
      unchanged: 0,
      versionOnly: 0,
      failed: 0,
      skipped: 0,
      raced: 0,
    };

    const handled = new Set(mapped.flatMap((m) => m.resourceTypes));
    const waiting = (await events.resourceTypesWith(['unmapped', 'failed'], options.source)).filter((t) => handled.has(t));
    let requeuedIds: number[] = [];
    if (waiting.length > 0) {
      const filter: EventFilter = { statuses: ['unmapped', 'failed'], resourceTypes: waiting, source: options.source };
      requeuedIds = (await withTransaction(this.deps.db, (trx) => events.requeue(trx, filter))).requeued;
      summary.requeued = requeuedIds.length;
      logger.info({ events: requeuedIds.length, resourceTypes: waiting }, 'remap re-queued events');
    }

    const scope = { entity: options.entity, source: options.source };
    const total = await records.count(scope);
    const chunkSize = options.chunkSize ?? 500;
    let after: RecordRef | undefined;
    for (;;) {
      const page = await records.page(scope, after, chunkSize);
      if (page.length === 0) break;
      after = page[page.length - 1]?.ref;
      const updates: RemapUpdate[] = [];
      for (const c of page) {
        const update = await this.reproject(c, summary);
        if (update) updates.push(update);
      }
      const now = clock.now();
      const written =
        updates.length === 0
          ? { changed: 0, versionOnly: 0, raced: 0 }
          : await withTransaction(this.deps.db, (trx) => records.applyRemap(trx, updates, now));
      summary.changed += written.changed;
      summary.versionOnly += written.versionOnly;
      summary.raced += written.raced;
      summary.checked += page.length;
      options.onProgress?.(summary.checked, Math.max(total, summary.checked));
    }

    summary.events = await driveEvents(worker, events, requeuedIds);
    logger.info({ ...summary, events: summary.events.length }, 'remap finished');
    return summary;
  }

  private async reproject(c: RemapCandidate, summary: RemapSummary): Promise<RemapUpdate | undefined> {
    const r = await reprojectRecord(c, this.deps.mappings);
    const where = { source: c.ref.source, entity: c.ref.entity, key: c.ref.key };
    if (r.kind === 'skipped') {
      summary.skipped++;
      this.deps.logger.warn({ record: where, reason: r.reason }, 'remap skipped record');
      return undefined;
    }
    if (r.kind === 'failed') {
      summary.failed++;
      this.deps.logger.warn({ record: where, issues: r.issues }, 'remap mapping failed, record kept');
      return undefined;
    }
    const base = {
      ref: c.ref,
      expectedEventUuid: c.version.uuid,
      expectedData: c.data,
      mappingVersion: r.mappingVersion,
      version: c.version,
    };
    if (r.data === c.data) {
      summary.unchanged++;
      return r.mappingVersion === c.mappingVersion ? undefined : { ...base, data: c.data, change: null };
    }
    return { ...base, data: r.data, change: c.deleted ? 'deleted' : 'updated' };
  }
}
