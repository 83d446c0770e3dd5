import type Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { waitWhileBusy } from '../db/busy-wait';
import { prepared, sqliteConnectionOf, withSqliteConnection } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import { decideOutcomes, deliveryKey, inboxRows, type InboxInsert } from './accept-decisions';
import type { AcceptOutcome, NewDelivery } from './inbox-store';
import { KnexInboxStore } from './knex-inbox-store';

/**
 * InboxStore on SQLite: the intake commit is one better-sqlite3 transaction of statements prepared once per
 * connection (docs/adr/0002-sqlite-group-commit.md).
 */
export class SqliteInboxStore extends KnexInboxStore {
  /**
   * @param lockWaitMs How long after its earliest delivery arrived a batch keeps retrying a database another process
   * has locked; then the commit fails and the receiver answers 503 within the request's deadline.
   */
  constructor(
    db: Knex,
    private readonly lockWaitMs = 5000,
  ) {
    super(db);
  }

  async acceptBatch(deliveries: NewDelivery[]): Promise<AcceptOutcome[]> {
    const arrived = Math.min(...deliveries.map((d) => d.receivedAt.getTime()));
    // Each attempt takes the connection and gives it back, so other queries run while the batch waits for the lock.
    return waitWhileBusy(() => withSqliteConnection(this.db, (conn) => acceptOnSqlite(conn, deliveries)), arrived + this.lockWaitMs);
  }

  /** Set-wise, on the transaction's connection: multi-row INSERT … ON CONFLICT DO NOTHING, no look-up (insertNewOnSqlite). */
  async acceptNew(trx: Tx, deliveries: NewDelivery[]): Promise<number> {
    return deliveries.length === 0 ? 0 : insertNewOnSqlite(await sqliteConnectionOf(trx), deliveries);
  }
}

/** Rows per multi-row statement: 11 parameters a row, far under SQLite's bound-parameter limit (32,766). */
const ROWS_PER_STATEMENT = 50;
const EVENT_COLUMNS = `(source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, body_sha256,
   envelope, principal, status, received_at)`;

/** A multi-row statement for `rows` rows, prepared once per connection and size. */
function eventsInsert(conn: Database.Database, rows: number): Database.Statement {
  const values = Array<string>(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  return prepared(
    conn,
    `insert into inbox_events ${EVENT_COLUMNS} values ${values} on conflict (source, delivery_uuid) do nothing returning id, source, delivery_uuid`,
  );
}

function payloadsInsert(conn: Database.Database, rows: number): Database.Statement {
  return prepared(conn, `insert into inbox_payloads (event_id, body) values ${Array<string>(rows).fill('(?, ?)').join(', ')}`);
}

/**
 * The inserts of acceptNew on SQLite: the deliveries in statements of up to ROWS_PER_STATEMENT rows each (prepared
 * once per connection and row count), the payloads of those it added likewise, inside the caller's transaction.
 * RETURNING names each added row, so a uuid the inbox held (or one repeated in the batch) adds nothing.
 */
function insertNewOnSqlite(conn: Database.Database, deliveries: NewDelivery[]): number {
  const rows = inboxRows(deliveries);
  const bodies = new Map<string, Buffer>();
  // A uuid repeated in the batch is inserted at its first occurrence, with that occurrence's body.
  for (const d of deliveries)
    if (!bodies.has(deliveryKey(d.source, d.envelope.uuid))) bodies.set(deliveryKey(d.source, d.envelope.uuid), d.body);
  let added = 0;
  for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
    const part = rows.slice(at, at + ROWS_PER_STATEMENT);
    const inserted = eventsInsert(conn, part.length).all(part.flatMap(rowValues)) as {
      id: number;
      source: string;
      delivery_uuid: string;
    }[];
    if (inserted.length === 0) continue;
    payloadsInsert(conn, inserted.length).run(inserted.flatMap((r) => [r.id, bodies.get(deliveryKey(r.source, r.delivery_uuid))]));
    added += inserted.length;
  }
  return added;
}

function rowValues(r: InboxInsert): unknown[] {
  return [
    r.source,
    r.delivery_uuid,
    r.resource_type,
    r.resource_uuid,
    r.resource_action,
    r.event_timestamp,
    r.body_sha256,
    r.envelope,
    r.principal,
    r.status,
    r.received_at,
  ];
}

const INSERT = `insert into inbox_events
  (source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, body_sha256,
   envelope, principal, status, received_at)
  values (@source, @delivery_uuid, @resource_type, @resource_uuid, @resource_action, @event_timestamp,
   @body_sha256, @envelope, @principal, @status, @received_at)
  on conflict (source, delivery_uuid) do nothing returning id`;
const INSERT_PAYLOAD = 'insert into inbox_payloads (event_id, body) values (?, ?)';
const EXISTING = 'select id, body_sha256 from inbox_events where source = ? and delivery_uuid = ?';
const CONFLICT = `insert into inbox_conflicts (inbox_event_id, source, delivery_uuid, body, body_sha256, principal, received_at)
  values (@inbox_event_id, @source, @delivery_uuid, @body, @body_sha256, @principal, @received_at)
  on conflict (source, delivery_uuid, body_sha256) do nothing`;

/**
 * The receiver's commit on SQLite: one better-sqlite3 transaction of prepared statements, run synchronously on
 * the knex pool's connection (see docs/adr/0002-sqlite-group-commit.md). On return it is committed (and, with
 * synchronous=FULL, on disk); on a throw nothing of the batch is.
 */
function acceptOnSqlite(conn: Database.Database, deliveries: NewDelivery[]): AcceptOutcome[] {
  return conn.transaction(() => {
    const insert = prepared(conn, INSERT);
    const insertPayload = prepared(conn, INSERT_PAYLOAD);
    const inserted = new Map<string, number>();
    const rows = inboxRows(deliveries);
    for (const [i, row] of rows.entries()) {
      const r = insert.get(row) as { id: number } | undefined;
      if (!r) continue;
      inserted.set(deliveryKey(row.source, row.delivery_uuid), r.id);
      insertPayload.run(r.id, (deliveries[i] as NewDelivery).body);
    }
    const existing = new Map<string, { id: number; sha: string }>();
    const lookup = prepared(conn, EXISTING);
    for (const d of deliveries) {
      const key = deliveryKey(d.source, d.envelope.uuid);
      if (inserted.has(key) || existing.has(key)) continue;
      const r = lookup.get(d.source, d.envelope.uuid) as { id: number; body_sha256: string } | undefined;
      if (r) existing.set(key, { id: r.id, sha: r.body_sha256 });
    }
    const { outcomes, conflicts } = decideOutcomes(deliveries, inserted, existing);
    const conflict = prepared(conn, CONFLICT);
    for (const c of conflicts) conflict.run(c);
    return outcomes;
  })();
}
