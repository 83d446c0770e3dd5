import type Database from 'better-sqlite3';
import { asNumber } from '../db/column-values';
import { prepared, sqliteConnectionOf, withSqliteConnection } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import { CLAIMABLE, CLAIMED_COLUMNS, KnexInboxQueue, type ClaimRow, type PlainCompletion } from './knex-inbox-queue';

const CLAIM = `update inbox_events set claim_ticket = ?, lease_until = ? where id in (${CLAIMABLE}) returning ${CLAIMED_COLUMNS}`;
const BODIES = 'select event_id, body from inbox_payloads where event_id in (select value from json_each(?))';
// A whole batch's ids go in as one JSON array, so these are prepared once instead of once per batch size.
const HELD = `select id from inbox_events where id in (select value from json_each(?)) and claim_ticket = ? and status = 'accepted'`;
const COMPLETE = `update inbox_events
  set status = ?, processed_at = ?, mapping_version = ?, claim_ticket = null, lease_until = null, next_attempt_at = null,
      error_code = null, error_detail = null
  where id in (select value from json_each(?))`;

/**
 * InboxQueue on SQLite: claim, still-held and complete are statements prepared once per connection, run on the
 * connection of the caller's knex transaction (docs/adr/0002-sqlite-group-commit.md). A claim is one UPDATE … WHERE id
 * IN (SELECT … LIMIT n) RETURNING, with the bodies read right after it on the same connection.
 */
export class SqliteInboxQueue extends KnexInboxQueue {
  protected async claimRows(params: (string | number)[], trx: Tx | undefined): Promise<ClaimRow[]> {
    const run = (conn: Database.Database) => withBodies(conn, prepared(conn, CLAIM).all(...params) as Omit<ClaimRow, 'body'>[]);
    return trx ? run(await sqliteConnectionOf(trx)) : withSqliteConnection(this.db, run);
  }

  async stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>> {
    const rows = prepared(await sqliteConnectionOf(trx), HELD).all(JSON.stringify(ids), ticket) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  /** One prepared statement per (status, mapping version): a batch has a handful of them. */
  protected async completePlain(trx: Tx, completions: PlainCompletion[], processedAt: string): Promise<void> {
    const groups = new Map<string, { status: string; mappingVersion: string | null; ids: number[] }>();
    for (const c of completions) {
      const key = `${c.status}\u0000${c.mappingVersion ?? ''}`;
      const group = groups.get(key) ?? { status: c.status, mappingVersion: c.mappingVersion, ids: [] };
      group.ids.push(c.id);
      groups.set(key, group);
    }
    const complete = prepared(await sqliteConnectionOf(trx), COMPLETE);
    for (const g of groups.values()) complete.run(g.status, processedAt, g.mappingVersion, JSON.stringify(g.ids));
  }
}

/** SQLite has no UPDATE in a WITH: the bodies of the claimed rows are read in a second statement. */
function withBodies(conn: Database.Database, rows: Omit<ClaimRow, 'body'>[]): ClaimRow[] {
  if (rows.length === 0) return [];
  const payloads = prepared(conn, BODIES).all(JSON.stringify(rows.map((r) => r.id))) as { event_id: number; body: Buffer }[];
  const bodies = new Map(payloads.map((p) => [p.event_id, p.body]));
  return rows.map((r) => ({ ...r, body: bodies.get(asNumber(r.id)) ?? null }));
}
