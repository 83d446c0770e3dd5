import type { Knex } from 'knex';
import { chunks } from '../db/chunks';
import { asDate, asNumber } from '../db/column-values';
import type { KeysetPurge } from '../db/keyset-purge';
import type { Tx } from '../db/transaction';
import type { DbInboxEventRow } from './inbox-rows';
import type { EventDetail, EventAdminStore, EventFilter, EventSummary, RequeueResult } from './event-admin-store';
import type { EventStatus } from './inbox-queue';
import { withPayloadBody } from './payload-join';

/** The sync engine's columns of inbox_events (migration 003) on top of the receiver's row. */
interface DbSyncEventRow extends DbInboxEventRow {
  /** From inbox_payloads; null once retention purged it. */
  body?: Buffer | null;
  attempts: number;
  claim_ticket: string | null;
  lease_until: Date | string | null;
  next_attempt_at: Date | string | null;
  processed_at: Date | string | null;
  error_code: string | null;
  error_detail: string | null;
  mapping_version: string | null;
  payload_purged_at: Date | string | null;
}

/** Statuses an operator may send back to the worker. */
const RETRIABLE: EventStatus[] = ['failed', 'dead', 'unmapped', 'stale'];
const SUMMARY_COLUMNS = [
  'id',
  'source',
  'delivery_uuid',
  'resource_type',
  'resource_uuid',
  'resource_action',
  'event_timestamp',
  'status',
  'attempts',
  'error_code',
  'received_at',
  'processed_at',
];

/** EventAdminStore on knex: the queries behind `events`, `remap` and the retention job. */
export class KnexEventAdminStore implements EventAdminStore {
  constructor(private readonly db: Knex) {}

  async list(filter: EventFilter): Promise<EventSummary[]> {
    const rows = (await this.filtered(filter).select(SUMMARY_COLUMNS).orderBy('id', 'desc')) as DbSyncEventRow[];
    return rows.map(toSummary);
  }

  async get(id: number): Promise<EventDetail | undefined> {
    const row = (await withPayloadBody(this.db('inbox_events')).where('inbox_events.id', id).first()) as DbSyncEventRow | undefined;
    if (!row) return undefined;
    const conflict = (await this.db('inbox_conflicts')
      .where('inbox_event_id', id)
      .count({ n: '*' })
      .max({ last: 'received_at' })
      .first()) as { n: number | string; last: Date | string | null } | undefined;
    return { ...toDetail(row), conflicts: { count: Number(conflict?.n ?? 0), lastReceivedAt: optionalDate(conflict?.last ?? null) } };
  }

  async requeue(trx: Tx, filter: EventFilter): Promise<RequeueResult> {
    const rows = (await this.filtered(filter, trx).select('id', 'status', 'payload_purged_at').orderBy('id')) as Pick<
      DbSyncEventRow,
      'id' | 'status' | 'payload_purged_at'
    >[];
    const result: RequeueResult = { requeued: [], refusedDone: [], refusedPurged: [], alreadyQueued: [], missing: [] };
    const found = new Set<number>();
    for (const r of rows) {
      const id = asNumber(r.id);
      found.add(id);
      if (r.status === 'done') result.refusedDone.push(id);
      else if (r.status === 'accepted') result.alreadyQueued.push(id);
      else if (r.payload_purged_at !== null) result.refusedPurged.push(id);
      else result.requeued.push(id);
    }
    result.missing = (filter.ids ?? []).filter((id) => !found.has(id));
    for (const chunk of chunks(result.requeued, 500)) {
      await trx('inbox_events').whereIn('id', chunk).whereIn('status', RETRIABLE).update({
        status: 'accepted',
        attempts: 0,
        claim_ticket: null,
        lease_until: null,
        next_attempt_at: null,
        processed_at: null,
        error_code: null,
        error_detail: null,
      });
    }
    return result;
  }

  async statuses(ids: number[]): Promise<Map<number, { status: EventStatus; errorCode: string | null }>> {
    const out = new Map<number, { status: EventStatus; errorCode: string | null }>();
    for (const chunk of chunks(ids, 500)) {
      const rows = (await this.db('inbox_events').select('id', 'status', 'error_code').whereIn('id', chunk)) as DbSyncEventRow[];
      for (const r of rows) out.set(asNumber(r.id), { status: r.status as EventStatus, errorCode: r.error_code });
    }
    return out;
  }

  processedPayloads(before: Date, now: Date): KeysetPurge {
    return {
      // Keyset by id: each chunk starts after the last, so one run reads the inbox once however large it is.
      nextKeys: async (after, limit) => {
        let q = this.db('inbox_events')
          .select('id')
          .whereIn('status', ['done', 'stale'])
          .whereNull('payload_purged_at')
          .where('processed_at', '<', before.toISOString())
          .orderBy('id')
          .limit(limit);
        if (after !== undefined) q = q.where('id', '>', after);
        return ((await q) as { id: number | string }[]).map((r) => asNumber(r.id));
      },
      // The status condition is repeated: an event re-queued between the two statements keeps its body. Stamping
      // comes first, in one statement with its condition; a stamped event is never re-queued (requeue refuses purged
      // events), so deleting the bodies of the chunk's stamped events deletes no body still needed.
      deleteKeys: async (trx, ids) => {
        const stamped = (await trx('inbox_events')
          .whereIn('id', ids)
          .whereIn('status', ['done', 'stale'])
          .whereNull('payload_purged_at')
          .update({ payload_purged_at: now.toISOString() })) as number;
        await trx('inbox_payloads')
          .whereIn('event_id', trx('inbox_events').select('id').whereIn('id', ids).whereNotNull('payload_purged_at'))
          .delete();
        return stamped;
      },
    };
  }

  async recentProcessed(limit: number, resourceTypes?: string[]): Promise<EventDetail[]> {
    const rows = (await withPayloadBody(this.filtered({ statuses: ['done', 'stale'], resourceTypes }))
      .orderBy('inbox_events.id', 'desc')
      .limit(limit)) as DbSyncEventRow[];
    return rows.map(toDetail);
  }

  async resourceTypesWith(statuses: EventStatus[], source?: string): Promise<string[]> {
    let q = this.db('inbox_events').distinct('resource_type').whereIn('status', statuses);
    if (source) q = q.where('source', source);
    return ((await q) as { resource_type: string }[]).map((r) => r.resource_type).sort();
  }

  private filtered(filter: EventFilter, db: Knex | Knex.Transaction = this.db): Knex.QueryBuilder {
    let q = db('inbox_events');
    if (filter.ids) q = q.whereIn('id', filter.ids);
    if (filter.statuses) q = q.whereIn('status', filter.statuses);
    if (filter.source) q = q.where('source', filter.source);
    // AppDirect's types are upper case; an operator typing `company` means COMPANY.
    if (filter.resourceTypes) {
      const types = filter.resourceTypes.map((t) => t.toUpperCase());
      q = types.length === 0 ? q.whereRaw('1 = 0') : q.whereRaw(`upper(resource_type) in (${types.map(() => '?').join(', ')})`, types);
    }
    if (filter.resourceUuid !== undefined) q = q.where('resource_uuid', filter.resourceUuid);
    if (filter.deliveryUuid !== undefined) q = q.where('delivery_uuid', filter.deliveryUuid);
    if (filter.since) q = q.where('received_at', '>=', filter.since.toISOString());
    if (filter.until) q = q.where('received_at', '<', filter.until.toISOString());
    if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return q;
  }
}

function toSummary(r: DbSyncEventRow): EventSummary {
  return {
    id: asNumber(r.id),
    source: r.source,
    deliveryUuid: r.delivery_uuid,
    resourceType: r.resource_type,
    resourceUuid: r.resource_uuid,
    action: r.resource_action,
    eventTimestamp: asNumber(r.event_timestamp),
    status: r.status as EventStatus,
    attempts: r.attempts,
    errorCode: r.error_code,
    receivedAt: asDate(r.received_at),
    processedAt: optionalDate(r.processed_at),
  };
}

function toDetail(r: DbSyncEventRow): EventDetail {
  return {
    ...toSummary(r),
    principal: r.principal,
    errorDetail: r.error_detail === null ? null : parseDetail(r.error_detail),
    mappingVersion: r.mapping_version,
    nextAttemptAt: optionalDate(r.next_attempt_at),
    leaseUntil: optionalDate(r.lease_until),
    payloadPurgedAt: optionalDate(r.payload_purged_at),
    body: r.body ?? Buffer.alloc(0),
  };
}

function optionalDate(v: Date | string | null): Date | null {
  return v === null ? null : asDate(v);
}

function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
