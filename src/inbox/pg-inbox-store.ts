import type { Knex } from 'knex';
import { chunks } from '../db/chunks';
import type { Tx } from '../db/transaction';
import { asNumber } from '../db/column-values';
import { decideOutcomes, deliveryKey, inboxRows, type InboxInsert } from './accept-decisions';
import type { DbInboxEventRow } from './inbox-rows';
import type { AcceptOutcome, NewDelivery } from './inbox-store';
import { KnexInboxStore } from './knex-inbox-store';

/** Rows per INSERT on PostgreSQL: 12 columns each stays far below its 65,535 bound parameters. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 400;

/** InboxStore on PostgreSQL: the intake commit is one multi-row statement per 500 deliveries. */
export class PgInboxStore extends KnexInboxStore {
  /**
   * @remarks The intake commit is this store's one operation and nothing else shares its transaction, so the store
   * opens it (the exception to "services open transactions", docs/adr/0017-stores-per-engine.md).
   */
  acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
    return this.db.transaction((trx) => acceptOnPg(trx, deliveries));
  }

  /** INSERT_WITH_PAYLOADS_PG per 500 deliveries in the caller's transaction; the rows it returns are the added ones. */
  async acceptNew(trx: Tx, deliveries: NewDelivery[]): Promise<number> {
    let added = 0;
    for (const chunk of chunks(deliveries, INSERT_CHUNK)) added += (await insertWithPayloads(trx, chunk)).length;
    return added;
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
async function acceptOnPg(trx: Knex.Transaction, deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
  const inserted = new Map<string, number>();
  for (const chunk of chunks(deliveries, INSERT_CHUNK)) {
    for (const r of await insertWithPayloads(trx, chunk)) inserted.set(deliveryKey(r.source, r.delivery_uuid), asNumber(r.id));
  }
  const existing = await existingRows(
    trx,
    deliveries.filter((d) => !inserted.has(deliveryKey(d.source, d.envelope.uuid))),
  );
  const { outcomes, conflicts } = decideOutcomes(deliveries, inserted, existing);
  for (const c of conflicts) await trx('inbox_conflicts').insert(c).onConflict(['source', 'delivery_uuid', 'body_sha256']).ignore();
  return outcomes;
}

/** One INSERT_WITH_PAYLOADS_PG of up to INSERT_CHUNK deliveries: the rows it added. */
async function insertWithPayloads(
  trx: Knex.Transaction,
  chunk: NewDelivery[],
): Promise<{ id: number | string; source: string; delivery_uuid: string }[]> {
  const rows = inboxRows(chunk);
  const column = <K extends keyof InboxInsert>(k: K) => rows.map((r) => r[k]);
  const result = (await trx.raw(INSERT_WITH_PAYLOADS_PG, [
    column('source'),
    column('delivery_uuid'),
    column('resource_type'),
    column('resource_uuid'),
    column('resource_action'),
    column('event_timestamp'),
    column('body_sha256'),
    column('envelope'),
    column('principal'),
    column('status'),
    column('received_at'),
    chunk.map((d) => d.body),
  ])) as { rows: { id: number | string; source: string; delivery_uuid: string }[] };
  return result.rows;
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
