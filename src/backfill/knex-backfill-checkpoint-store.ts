import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { BackfillCheckpoint, BackfillCheckpointStore } from './backfill-checkpoint-store';

interface DbBackfillCheckpointRow {
  source: string;
  entity: string;
  next_index: number | string | null;
  parent_index: number | string | null;
  listed: number | string;
  accepted: number | string;
  watermark: number | string | null;
  runs: number;
  started_at: string | Date | null;
  updated_at: string | Date;
  completed_at: string | Date | null;
}

/** BackfillCheckpointStore on knex: one upsert per page, the same on SQLite and PostgreSQL. */
export class KnexBackfillCheckpointStore implements BackfillCheckpointStore {
  constructor(private readonly db: Knex) {}

  async get(source: string, entity: string): Promise<BackfillCheckpoint | undefined> {
    const row = await this.db<DbBackfillCheckpointRow>('backfill_checkpoints').where({ source, entity }).first();
    return row ? fromRow(row) : undefined;
  }

  async list(source?: string): Promise<BackfillCheckpoint[]> {
    const q = this.db<DbBackfillCheckpointRow>('backfill_checkpoints').orderBy(['source', 'entity']);
    const rows = source === undefined ? await q : await q.where({ source });
    return rows.map(fromRow);
  }

  async save(c: BackfillCheckpoint, now: Date, trx?: Tx): Promise<void> {
    const row = {
      source: c.source,
      entity: c.entity,
      next_index: c.nextIndex,
      parent_index: c.parentIndex,
      listed: c.listed,
      accepted: c.accepted,
      watermark: c.watermark,
      runs: c.runs,
      started_at: c.startedAt?.toISOString() ?? null,
      updated_at: now.toISOString(),
      completed_at: c.completedAt?.toISOString() ?? null,
    };
    await (trx ?? this.db)('backfill_checkpoints').insert(row).onConflict(['source', 'entity']).merge();
  }
}

function fromRow(r: DbBackfillCheckpointRow): BackfillCheckpoint {
  const n = (v: number | string | null) => (v === null ? null : asNumber(v));
  return {
    source: r.source,
    entity: r.entity,
    nextIndex: n(r.next_index),
    parentIndex: n(r.parent_index),
    listed: asNumber(r.listed),
    accepted: asNumber(r.accepted),
    watermark: n(r.watermark),
    runs: r.runs,
    startedAt: r.started_at === null ? null : asDate(r.started_at),
    completedAt: r.completed_at === null ? null : asDate(r.completed_at),
  };
}
