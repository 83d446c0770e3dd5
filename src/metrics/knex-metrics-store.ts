import type { Knex } from 'knex';
import { asDate } from '../db/column-values';
import type { FeedService } from '../feed/feed-service';

/** The unprocessed and attention statuses counted by the events gauge: each has a partial index, so counting is cheap. */
export const GAUGED_EVENT_STATUSES = ['accepted', 'failed', 'dead', 'unmapped', 'stale'] as const;

/** What the database-derived gauges show, read in one scrape. */
export interface DbSnapshot {
  eventsByStatus: Map<string, number>;
  /** received_at of the oldest event still `accepted` (not yet processed); undefined when none waits. */
  oldestUnprocessedAt?: Date;
  changeLogHead: number;
  /** Each named consumer's lag, as `consumers list` shows it (FeedService.lag). */
  consumers: { name: string; behind: number; oldestUnackedSeconds: number; ackedAt?: Date | null }[];
  /** Records by entity and deleted flag (every entity that has records). */
  records?: { entity: string; deleted: boolean; count: number }[];
}

/**
 * The reads behind the database gauges: computed at scrape time from the shared database, so every instance
 * reports the same values. Each query walks an index (the partial inbox indexes, the changes primary key, and
 * records_entity_deleted_index for the records count).
 */
export class KnexMetricsStore {
  constructor(
    private readonly db: Knex,
    /** The head and the consumers' lag come from the feed, which owns `changes` and knows the purge horizon. */
    private readonly feed: Pick<FeedService, 'head' | 'lag'>,
  ) {}

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
    const [changeLogHead, lag, records] = await Promise.all([this.feed.head(), this.feed.lag(), this.records()]);
    const consumers = lag.map((c) => ({
      name: c.name,
      behind: c.behind,
      oldestUnackedSeconds: c.oldestUnackedSeconds,
      ackedAt: c.ackedAt,
    }));
    return { eventsByStatus, oldestUnprocessedAt: oldest ? asDate(oldest.received_at) : undefined, changeLogHead, consumers, records };
  }

  /** Records by entity and deleted: an index-only count over records_entity_deleted_index (migration 010). */
  private async records(): Promise<DbSnapshot['records']> {
    const rows = (await this.db('records').select('entity', 'deleted').count({ n: '*' }).groupBy('entity', 'deleted')) as {
      entity: string;
      deleted: boolean | number;
      n: number | string;
    }[];
    return rows.map((r) => ({ entity: r.entity, deleted: Boolean(r.deleted), count: Number(r.n) }));
  }
}
