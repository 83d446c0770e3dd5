import type { Knex } from 'knex';
import { asDate, asNumber, type DbInboxEventRow, type DbRejectedDeliveryRow } from '../db/rows';
import type { AcceptOutcome, InboxStore, NewDelivery, NewRejection, RejectedDelivery, StoredInboxEvent } from './inbox-store';

const EXCERPT_BYTES = 4096;

/** InboxStore on knex, for SQLite and PostgreSQL alike. */
export class KnexInboxStore implements InboxStore {
  constructor(private readonly db: Knex) {}

  async acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
    return this.db.transaction(async (trx) => {
      const outcomes: AcceptOutcome[] = [];
      for (const d of deliveries) outcomes.push(await acceptOne(trx, d));
      return outcomes;
    });
  }

  async recordRejection(r: NewRejection, keep: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const [row] = await trx('rejected_deliveries')
        .insert({
          source: r.source,
          principal: r.principal,
          status_code: r.statusCode,
          error_code: r.errorCode,
          message: r.message.slice(0, 2000),
          request_id: r.requestId,
          remote_address: r.remoteAddress ?? null,
          body_bytes: r.bodyBytes ?? null,
          body_excerpt: r.bodyExcerpt ? r.bodyExcerpt.subarray(0, EXCERPT_BYTES) : null,
          received_at: r.receivedAt.toISOString(),
        })
        .returning('id');
      const id = asNumber((row as { id: number | string }).id);
      await trx('rejected_deliveries').where('id', '<=', id - keep).delete();
    });
  }

  async listRejections(limit: number): Promise<RejectedDelivery[]> {
    const rows = await this.db<DbRejectedDeliveryRow>('rejected_deliveries').orderBy('id', 'desc').limit(limit);
    return rows.map((r) => ({
      id: asNumber(r.id),
      source: r.source,
      principal: r.principal,
      statusCode: r.status_code,
      errorCode: r.error_code,
      message: r.message,
      requestId: r.request_id,
      remoteAddress: r.remote_address ?? undefined,
      bodyBytes: r.body_bytes ?? undefined,
      bodyExcerpt: r.body_excerpt ?? undefined,
      receivedAt: asDate(r.received_at),
    }));
  }

  async getEvent(source: string, deliveryUuid: string): Promise<StoredInboxEvent | undefined> {
    const row = await this.db<DbInboxEventRow>('inbox_events').where({ source, delivery_uuid: deliveryUuid }).first();
    return row ? toStoredEvent(row) : undefined;
  }

  async countEvents(): Promise<number> {
    return count(this.db, 'inbox_events');
  }

  async countConflicts(): Promise<number> {
    return count(this.db, 'inbox_conflicts');
  }
}

async function acceptOne(trx: Knex.Transaction, d: NewDelivery): Promise<AcceptOutcome> {
  const inserted = await trx('inbox_events')
    .insert({
      source: d.source,
      delivery_uuid: d.envelope.uuid,
      resource_type: d.envelope.resourceType,
      resource_uuid: d.envelope.resourceUuid,
      resource_action: d.envelope.resourceAction,
      event_timestamp: d.envelope.timestamp,
      body: d.body,
      body_sha256: d.bodySha256,
      envelope: JSON.stringify(d.envelope),
      principal: d.principal,
      status: 'accepted',
      received_at: d.receivedAt.toISOString(),
    })
    .onConflict(['source', 'delivery_uuid'])
    .ignore()
    .returning('id');
  const first = inserted[0] as { id: number | string } | undefined;
  if (first) return { status: 'accepted', id: asNumber(first.id) };

  const existing = await trx<DbInboxEventRow>('inbox_events')
    .select('id', 'body_sha256')
    .where({ source: d.source, delivery_uuid: d.envelope.uuid })
    .first();
  if (!existing) throw new Error('inbox row vanished inside its own transaction');
  const existingId = asNumber(existing.id);
  if (existing.body_sha256 === d.bodySha256) return { status: 'duplicate', id: existingId };

  await trx('inbox_conflicts')
    .insert({
      inbox_event_id: existingId,
      source: d.source,
      delivery_uuid: d.envelope.uuid,
      body: d.body,
      body_sha256: d.bodySha256,
      principal: d.principal,
      received_at: d.receivedAt.toISOString(),
    })
    .onConflict(['source', 'delivery_uuid', 'body_sha256'])
    .ignore();
  return { status: 'conflict', id: existingId };
}

function toStoredEvent(row: DbInboxEventRow): StoredInboxEvent {
  return {
    id: asNumber(row.id),
    source: row.source,
    deliveryUuid: row.delivery_uuid,
    resourceType: row.resource_type,
    resourceUuid: row.resource_uuid,
    resourceAction: row.resource_action,
    eventTimestamp: asNumber(row.event_timestamp),
    body: row.body,
    principal: row.principal,
    status: row.status,
    receivedAt: asDate(row.received_at),
  };
}

async function count(db: Knex, table: string): Promise<number> {
  const row = (await db(table).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return row ? asNumber(row.n) : 0;
}
