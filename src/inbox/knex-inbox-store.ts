import type { Knex } from 'knex';
import { chunks } from '../db/chunks';
import { prepared, sqliteConnectionOf } from '../db/sqlite-statements';
import { asDate, asNumber, type DbInboxEventRow, type DbRejectedDeliveryRow } from '../db/rows';
import type { AcceptOutcome, InboxStore, NewDelivery, NewRejection, RejectedDelivery, StoredInboxEvent } from './inbox-store';

const EXCERPT_BYTES = 4096;
/** Rows per INSERT: 12 columns each stays far below SQLite's 32,766 bound parameters. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 400;

/** InboxStore on knex, for SQLite and PostgreSQL alike. */
export class KnexInboxStore implements InboxStore {
  constructor(private readonly db: Knex) {}

  async acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
    return this.db.transaction((trx) => acceptAll(trx, deliveries));
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

/**
 * One multi-row INSERT … ON CONFLICT DO NOTHING for the whole batch, then a look-up only for the rows that
 * were not inserted: two statements per batch instead of two per delivery.
 * @remarks A uuid repeated inside the batch is inserted once (its first occurrence); later ones are
 * duplicates or conflicts of it, exactly as if they had arrived in a later batch.
 */
async function acceptAll(trx: Knex.Transaction, deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
  const keyOf = (source: string, uuid: string) => `${source}\u0000${uuid}`;
  const rows: InboxInsert[] = deliveries.map((d) => ({
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
  }));
  const inserted = await insertNew(trx, rows);

  const firstSeen = new Set<string>();
  const existing = await existingRows(trx, deliveries.filter((d) => !inserted.has(keyOf(d.source, d.envelope.uuid))));
  const outcomes: AcceptOutcome[] = [];
  for (const d of deliveries) {
    const key = keyOf(d.source, d.envelope.uuid);
    const newId = inserted.get(key);
    if (newId !== undefined && !firstSeen.has(key)) {
      firstSeen.add(key);
      existing.set(key, { id: newId, sha: d.bodySha256 });
      outcomes.push({ status: 'accepted', id: newId });
      continue;
    }
    const prior = existing.get(key);
    if (!prior) throw new Error('inbox row vanished inside its own transaction');
    if (prior.sha === d.bodySha256) {
      outcomes.push({ status: 'duplicate', id: prior.id });
      continue;
    }
    await trx('inbox_conflicts')
      .insert({
        inbox_event_id: prior.id,
        source: d.source,
        delivery_uuid: d.envelope.uuid,
        body: d.body,
        body_sha256: d.bodySha256,
        principal: d.principal,
        received_at: d.receivedAt.toISOString(),
      })
      .onConflict(['source', 'delivery_uuid', 'body_sha256'])
      .ignore();
    outcomes.push({ status: 'conflict', id: prior.id });
  }
  return outcomes;
}

type InboxInsert = Omit<DbInboxEventRow, 'id' | 'received_at' | 'event_timestamp'> & { received_at: string; event_timestamp: number };

const SQLITE_INSERT = `insert into inbox_events
  (source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, body, body_sha256,
   envelope, principal, status, received_at)
  values (@source, @delivery_uuid, @resource_type, @resource_uuid, @resource_action, @event_timestamp, @body,
   @body_sha256, @envelope, @principal, @status, @received_at)
  on conflict (source, delivery_uuid) do nothing returning id`;

/** Inserts the rows that are new; returns their ids by source and uuid. Existing ones are left alone. */
async function insertNew(trx: Knex.Transaction, rows: InboxInsert[]): Promise<Map<string, number>> {
  const inserted = new Map<string, number>();
  const sqlite = await sqliteConnectionOf(trx);
  if (sqlite) {
    const insert = prepared(sqlite, SQLITE_INSERT);
    for (const row of rows) {
      const r = insert.get(row) as { id: number } | undefined;
      if (r) inserted.set(`${row.source}\u0000${row.delivery_uuid}`, r.id);
    }
    return inserted;
  }
  for (const chunk of chunks(rows, INSERT_CHUNK)) {
    const returned = (await trx('inbox_events')
      .insert(chunk)
      .onConflict(['source', 'delivery_uuid'])
      .ignore()
      .returning(['id', 'source', 'delivery_uuid'])) as { id: number | string; source: string; delivery_uuid: string }[];
    for (const r of returned) inserted.set(`${r.source}\u0000${r.delivery_uuid}`, asNumber(r.id));
  }
  return inserted;
}

/** Ids and body hashes of already-stored deliveries, keyed by source and uuid. */
async function existingRows(trx: Knex.Transaction, deliveries: NewDelivery[]): Promise<Map<string, { id: number; sha: string }>> {
  const out = new Map<string, { id: number; sha: string }>();
  for (const chunk of chunks(deliveries, LOOKUP_CHUNK)) {
    const rows = (await trx('inbox_events')
      .select('id', 'source', 'delivery_uuid', 'body_sha256')
      .whereIn(
        ['source', 'delivery_uuid'],
        chunk.map((d) => [d.source, d.envelope.uuid]),
      )) as Pick<DbInboxEventRow, 'id' | 'source' | 'delivery_uuid' | 'body_sha256'>[];
    for (const r of rows) out.set(`${r.source}\u0000${r.delivery_uuid}`, { id: asNumber(r.id), sha: r.body_sha256 });
  }
  return out;
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
