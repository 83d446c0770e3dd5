import { splitLinks } from '../domain/record-links';
import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { RecordRef } from '../records/record-store';
import type { AdminReadStore, ConflictRow, PageQuery, RecordChange, RejectedRow } from './admin-read-store';

type Time = Date | string;
type Id = number | string;

/** AdminReadStore on knex (both engines). */
export class KnexAdminReadStore implements AdminReadStore {
  constructor(private readonly db: Knex) {}

  async recordOfEvent(eventId: number): Promise<RecordRef | undefined> {
    const row = (await this.db('changes').select('source', 'entity', 'record_key').where('inbox_event_id', eventId).first()) as
      { source: string; entity: string; record_key: string } | undefined;
    return row ? { source: row.source, entity: row.entity, key: row.record_key } : undefined;
  }

  /**
   * Walks the record's chain of changes (records.last_change_seq, then changes.prev_seq; ADR 0038), newest first, at
   * most `limit` steps: one primary-key look-up per change, however many changes the store holds. A chain ends where
   * retention purged the older changes.
   */
  async history(ref: RecordRef, limit: number): Promise<RecordChange[]> {
    const { entity, source, key } = ref;
    const rows = (await this.db
      .withRecursive('chain', ['seq', 'depth'], (q) =>
        q
          .select('last_change_seq', this.db.raw('1'))
          .from('records')
          .where({ entity, source, record_key: key })
          .whereNotNull('last_change_seq')
          .unionAll((step) =>
            step
              .select('c.prev_seq', this.db.raw('chain.depth + 1'))
              .from('chain')
              .join('changes as c', 'c.seq', 'chain.seq')
              .whereNotNull('c.prev_seq')
              .andWhere('chain.depth', '<', limit),
          ),
      )
      .select('changes.*')
      .from('chain')
      .join('changes', 'changes.seq', 'chain.seq')
      .orderBy('changes.seq', 'desc')) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      seq: asNumber(r.seq as Id),
      kind: r.kind as string,
      cause: r.cause as string,
      inboxEventId: r.inbox_event_id === null ? null : asNumber(r.inbox_event_id as Id),
      eventUuid: r.event_uuid as string,
      eventTimestamp: asNumber(r.event_timestamp as Id),
      mappingVersion: r.mapping_version as string,
      createdAt: asDate(r.created_at as Time),
      ...splitLinks(JSON.parse(r.data as string) as Record<string, unknown>),
    }));
  }

  async conflicts(page: PageQuery): Promise<ConflictRow[]> {
    let q = this.db('inbox_conflicts as c')
      .join('inbox_events as e', 'e.id', 'c.inbox_event_id')
      .leftJoin('inbox_payloads as p', 'p.event_id', 'e.id')
      .select(
        'c.id',
        'c.source',
        'c.delivery_uuid',
        'c.principal',
        'c.received_at',
        'c.body_sha256',
        'c.body',
        'e.id as kept_id',
        'e.status as kept_status',
        'e.resource_type as kept_type',
        'e.resource_uuid as kept_uuid',
        'e.received_at as kept_received_at',
        'e.body_sha256 as kept_sha256',
        'p.body as kept_body',
      )
      .orderBy('c.id', 'desc')
      .limit(page.limit);
    if (page.beforeId !== undefined) q = q.where('c.id', '<', page.beforeId);
    const rows = (await q) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: asNumber(r.id as Id),
      source: r.source as string,
      deliveryUuid: r.delivery_uuid as string,
      principal: r.principal as string,
      receivedAt: asDate(r.received_at as Time),
      bodySha256: r.body_sha256 as string,
      body: (r.body as Buffer).toString('utf8'),
      kept: {
        eventId: asNumber(r.kept_id as Id),
        status: r.kept_status as string,
        resourceType: r.kept_type as string,
        resourceUuid: r.kept_uuid as string,
        receivedAt: asDate(r.kept_received_at as Time),
        bodySha256: r.kept_sha256 as string,
        body: r.kept_body ? (r.kept_body as Buffer).toString('utf8') : null,
      },
    }));
  }

  async rejected(page: PageQuery & { source?: string }): Promise<RejectedRow[]> {
    let q = this.db('rejected_deliveries').select('*').orderBy('id', 'desc').limit(page.limit);
    if (page.beforeId !== undefined) q = q.where('id', '<', page.beforeId);
    if (page.source !== undefined) q = q.where('source', page.source);
    const rows = (await q) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: asNumber(r.id as Id),
      source: r.source as string,
      principal: r.principal as string,
      statusCode: asNumber(r.status_code as Id),
      errorCode: r.error_code as string,
      message: r.message as string,
      requestId: r.request_id as string,
      remoteAddress: (r.remote_address as string | null) ?? null,
      bodyBytes: r.body_bytes === null ? null : asNumber(r.body_bytes as Id),
      bodyExcerpt: r.body_excerpt ? (r.body_excerpt as Buffer).toString('utf8') : null,
      receivedAt: asDate(r.received_at as Time),
    }));
  }
}
