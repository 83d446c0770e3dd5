import type { Knex } from 'knex';
import { withPayloadBody } from './payload-join';
import { asDate, asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { DbInboxEventRow, DbRejectedDeliveryRow } from './inbox-rows';
import type { AcceptOutcome, InboxStore, NewDelivery, NewRejection, RejectedDelivery, StoredInboxEvent } from './inbox-store';

const EXCERPT_BYTES = 4096;

/**
 * The part of InboxStore both engines share, on knex. The intake commit (acceptBatch), the hot path, is written
 * per engine: SqliteInboxStore and PgInboxStore; createInboxStore picks one.
 */
export abstract class KnexInboxStore implements InboxStore {
  constructor(protected readonly db: Knex) {}

  abstract acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]>;

  abstract acceptNew(trx: Tx, deliveries: NewDelivery[]): Promise<number>;

  async recordRejection(r: NewRejection, keep: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const [row] = await trx('rejected_deliveries')
        .insert({
          source: r.source,
          // Cut to the column, NUL replaced: the rejection of an unstorable principal must still be recorded on PostgreSQL.
          principal: storable(r.principal).slice(0, 255),
          status_code: r.statusCode,
          error_code: r.errorCode,
          message: storable(r.message).slice(0, 2000),
          request_id: r.requestId,
          remote_address: r.remoteAddress ?? null,
          body_bytes: r.bodyBytes ?? null,
          body_excerpt: r.bodyExcerpt ? r.bodyExcerpt.subarray(0, EXCERPT_BYTES) : null,
          received_at: r.receivedAt.toISOString(),
        })
        .returning('id');
      const id = asNumber((row as { id: number | string }).id);
      await trx('rejected_deliveries')
        .where('id', '<=', id - keep)
        .delete();
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
    const row = (await withPayloadBody(this.db('inbox_events'))
      .where({ 'inbox_events.source': source, 'inbox_events.delivery_uuid': deliveryUuid })
      .first()) as (DbInboxEventRow & { body: Buffer | null }) | undefined;
    return row ? toStoredEvent(row) : undefined;
  }

  async knownDeliveryUuids(source: string, uuids: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    // Chunks well under SQLite's and PostgreSQL's bound-parameter limits.
    for (let i = 0; i < uuids.length; i += 500) {
      const rows = await this.db('inbox_events')
        .where('source', source)
        .whereIn('delivery_uuid', uuids.slice(i, i + 500))
        .select<{ delivery_uuid: string }[]>('delivery_uuid');
      for (const r of rows) known.add(r.delivery_uuid);
    }
    return known;
  }

  async countEvents(): Promise<number> {
    return count(this.db, 'inbox_events');
  }

  async countConflicts(): Promise<number> {
    return count(this.db, 'inbox_conflicts');
  }
}

function toStoredEvent(row: DbInboxEventRow & { body: Buffer | null }): StoredInboxEvent {
  return {
    id: asNumber(row.id),
    source: row.source,
    deliveryUuid: row.delivery_uuid,
    resourceType: row.resource_type,
    resourceUuid: row.resource_uuid,
    resourceAction: row.resource_action,
    eventTimestamp: asNumber(row.event_timestamp),
    body: row.body ?? Buffer.alloc(0),
    principal: row.principal,
    status: row.status,
    receivedAt: asDate(row.received_at),
  };
}

/** Text PostgreSQL accepts: it refuses NUL in text columns (22021). */
function storable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
}

async function count(db: Knex, table: string): Promise<number> {
  const row = (await db(table).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return row ? asNumber(row.n) : 0;
}
