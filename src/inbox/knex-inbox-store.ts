import type { Knex } from 'knex';
import { waitWhileBusy } from '../db/busy-wait';
import { chunks } from '../db/chunks';
import { withSqliteConnection } from '../db/sqlite-statements';
import { decideOutcomes, deliveryKey, inboxRows, type InboxInsert } from './accept-decisions';
import { withPayloadBody } from './payload-join';
import { acceptOnSqlite } from './sqlite-inbox-intake';
import { asDate, asNumber } from '../db/column-values';
import type { DbInboxEventRow, DbRejectedDeliveryRow } from './inbox-rows';
import type { AcceptOutcome, InboxStore, NewDelivery, NewRejection, RejectedDelivery, StoredInboxEvent } from './inbox-store';

const EXCERPT_BYTES = 4096;
/** Rows per INSERT on PostgreSQL: 12 columns each stays far below its 65,535 bound parameters. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 400;

/** InboxStore on knex, for SQLite and PostgreSQL alike. */
export class KnexInboxStore implements InboxStore {
  /**
   * @param lockWaitMs On SQLite, how long after its earliest delivery arrived a batch keeps retrying a database
   * another process has locked; then the commit fails and the receiver answers 503 within the request's deadline.
   */
  constructor(
    private readonly db: Knex,
    private readonly lockWaitMs = 5000,
  ) {}

  async acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
    const arrived = Math.min(...deliveries.map((d) => d.receivedAt.getTime()));
    // Each attempt takes the connection and gives it back, so other queries run while the batch waits for the lock.
    const onSqlite = await waitWhileBusy(() => withSqliteConnection(this.db, (conn) => acceptOnSqlite(conn, deliveries)), arrived + this.lockWaitMs);
    return onSqlite ?? this.db.transaction((trx) => acceptOnKnex(trx, deliveries));
  }

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
    const row = (await withPayloadBody(this.db('inbox_events'))
      .where({ 'inbox_events.source': source, 'inbox_events.delivery_uuid': deliveryUuid })
      .first()) as (DbInboxEventRow & { body: Buffer | null }) | undefined;
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
 * One statement per 500 deliveries: the rows come in as one array per column, the new ones go into inbox_events
 * (ON CONFLICT DO NOTHING) and their bodies into inbox_payloads. A uuid repeated within the batch is inserted once,
 * with the first delivery's body (`ord`); the others are decided against it like any earlier delivery.
 */
const INSERT_WITH_PAYLOADS_PG = `with incoming as (
    select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[],
      ?::text[], ?::timestamptz[], ?::bytea[])
      with ordinality as t(source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, body_sha256,
        envelope, principal, status, received_at, body, ord)
  ), inserted as (
    insert into inbox_events (source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp,
      body_sha256, envelope, principal, status, received_at)
    select source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, body_sha256, envelope,
      principal, status, received_at
    from incoming order by ord
    on conflict (source, delivery_uuid) do nothing
    returning id, source, delivery_uuid
  ), payloads as (
    insert into inbox_payloads (event_id, body)
    select inserted.id, first.body
    from inserted
    join (select distinct on (source, delivery_uuid) source, delivery_uuid, body from incoming order by source, delivery_uuid, ord) first
      on first.source = inserted.source and first.delivery_uuid = inserted.delivery_uuid
  )
  select id, source, delivery_uuid from inserted`;

/**
 * The receiver's commit on PostgreSQL: INSERT_WITH_PAYLOADS_PG per 500 deliveries, then a look-up only for the rows
 * that were not inserted.
 */
async function acceptOnKnex(trx: Knex.Transaction, deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
  const inserted = new Map<string, number>();
  for (const chunk of chunks(deliveries, INSERT_CHUNK)) {
    const rows = inboxRows(chunk);
    const column = <K extends keyof InboxInsert>(k: K) => rows.map((r) => r[k]);
    const result = (await trx.raw(INSERT_WITH_PAYLOADS_PG, [
      column('source'), column('delivery_uuid'), column('resource_type'), column('resource_uuid'), column('resource_action'),
      column('event_timestamp'), column('body_sha256'), column('envelope'), column('principal'), column('status'), column('received_at'),
      chunk.map((d) => d.body),
    ])) as { rows: { id: number | string; source: string; delivery_uuid: string }[] };
    for (const r of result.rows) inserted.set(deliveryKey(r.source, r.delivery_uuid), asNumber(r.id));
  }
  const existing = await existingRows(trx, deliveries.filter((d) => !inserted.has(deliveryKey(d.source, d.envelope.uuid))));
  const { outcomes, conflicts } = decideOutcomes(deliveries, inserted, existing);
  for (const c of conflicts) await trx('inbox_conflicts').insert(c).onConflict(['source', 'delivery_uuid', 'body_sha256']).ignore();
  return outcomes;
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
    for (const r of rows) out.set(deliveryKey(r.source, r.delivery_uuid), { id: asNumber(r.id), sha: r.body_sha256 });
  }
  return out;
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
