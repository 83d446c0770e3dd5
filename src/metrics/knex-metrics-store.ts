import type { Knex } from 'knex';
import { asDate } from '../db/column-values';

/** The unprocessed and attention statuses counted by the events gauge: each has a partial index, so counting is cheap. */
export const GAUGED_EVENT_STATUSES = ['accepted', 'failed', 'dead', 'unmapped', 'stale'] as const;

/** What the database-derived gauges show, read in one scrape. */
export interface DbSnapshot {
  eventsByStatus: Map<string, number>;
  /** received_at of the oldest event still `accepted` (not yet processed); undefined when none waits. */
  oldestUnprocessedAt?: Date;
  changeLogHead: number;
  consumers: { name: string; cursor: number; oldestUnackedAt?: Date }[];
}

/**
 * The reads behind the database gauges: computed at scrape time from the shared database, so every instance
 * reports the same values. Each query walks an index (the partial inbox indexes, the changes primary key).
 */
export class KnexMetricsStore {
  constructor(private readonly db: Knex) {}

  /** Reads every database gauge's value. */
  async snapshot(): Promise<DbSnapshot> {
    const eventsByStatus = new Map<string, number>(GAUGED_EVENT_STATUSES.map((s) => [s, 0]));
    const counts = (await this.db('inbox_events')
      .select('status')
      .count({ n: '*' })
      .whereIn('status', [...GAUGED_EVENT_STATUSES])
      .groupBy('status')) as { status: string; n: number | string }[];
    for (const r of counts) eventsByStatus.set(r.status, Number(r.n));
    // Ids grow in receipt order, so the lowest accepted id is the oldest waiting delivery (partial index on id).
    const oldest = (await this.db('inbox_events').select('received_at').where('status', 'accepted').orderBy('id').first()) as
      { received_at: Date | string } | undefined;
    const head = (await this.db('changes').max({ seq: 'seq' }).first()) as { seq: number | string | null } | undefined;
    const changeLogHead = Number(head?.seq ?? 0);
    const rows = (await this.db('consumers').select('name', 'cursor').orderBy('name')) as { name: string; cursor: number | string }[];
    const consumers: DbSnapshot['consumers'] = [];
    for (const r of rows) {
      const cursor = Number(r.cursor);
      const next = cursor < changeLogHead ? await this.firstChangeAfter(cursor) : undefined;
      consumers.push({ name: r.name, cursor, oldestUnackedAt: next });
    }
    return { eventsByStatus, oldestUnprocessedAt: oldest ? asDate(oldest.received_at) : undefined, changeLogHead, consumers };
  }

  private async firstChangeAfter(cursor: number): Promise<Date | undefined> {
    const row = (await this.db('changes').select('created_at').where('seq', '>', cursor).orderBy('seq').first()) as
      { created_at: Date | string } | undefined;
    return row ? asDate(row.created_at) : undefined;
  }
}
