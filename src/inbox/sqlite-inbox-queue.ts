import { prepared, sqliteConnectionOf, withSqliteConnection } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import type { ClaimedEvent } from './inbox-queue';
import { CLAIMED_COLUMNS, KnexInboxQueue, type ClaimParams, type ClaimRow, type PlainCompletion } from './knex-inbox-queue';

// Due, not leased by an older build still running (leases run out), not in the claiming worker's hands; with bodies.
// Parameters: now, now, the ids in hand as a JSON array, limit.
const CLAIM = `select ${CLAIMED_COLUMNS}, (select body from inbox_payloads where event_id = inbox_events.id) as body
  from inbox_events
  where status = 'accepted'
    and (lease_until is null or lease_until < ?)
    and (next_attempt_at is null or next_attempt_at <= ?)
    and id not in (select value from json_each(?))
  order by id limit ?`;
// Writes nothing, yet takes the write lock as any write does: what this transaction reads after it, no other
// connection can change before it commits (BEGIN IMMEDIATE, inside a transaction knex began).
const TAKE_WRITE_LOCK = 'update inbox_events set status = status where 0';
// A whole batch's ids go in as one JSON array, so these are prepared once instead of once per batch size.
const WAITING = `select id from inbox_events where id in (select value from json_each(?)) and status = 'accepted'`;
const COMPLETE = `update inbox_events
  set status = ?, processed_at = ?, mapping_version = ?, claim_ticket = null, lease_until = null, next_attempt_at = null,
      error_code = null, error_detail = null
  where id in (select value from json_each(?))`;

/**
 * InboxQueue on SQLite: claim, still-held and complete are statements prepared once per connection, run on the
 * connection of the caller's knex transaction (docs/adr/0002-sqlite-group-commit.md).
 *
 * @remarks A claim writes nothing (docs/adr/0042-sqlite-claim-writes-nothing.md): it reads due events and their
 * bodies. SQLite has one writer at a time, so the apply transaction itself is the lease: it applies only the events
 * still `accepted` when it holds the write lock, and ends them before it lets go. Two workers on one file may then map
 * one event twice, never apply it twice; an event whose worker died is claimable at once, with no lease to wait out.
 */
export class SqliteInboxQueue extends KnexInboxQueue {
  protected async claimRows(c: ClaimParams, trx: Tx | undefined): Promise<ClaimRow[]> {
    const params = [c.now, c.now, JSON.stringify(c.inHand ? [...c.inHand] : []), c.limit];
    if (!trx) return withSqliteConnection(this.db, (conn) => prepared(conn, CLAIM).all(...params) as ClaimRow[]);
    // Inside the apply transaction, whose first statement this is: the lock first (see stillHeld).
    const conn = await sqliteConnectionOf(trx);
    prepared(conn, TAKE_WRITE_LOCK).run();
    return prepared(conn, CLAIM).all(...params) as ClaimRow[];
  }

  /**
   * The events still waiting, whatever `ticket`, read under the write lock: no other connection can end them before
   * this transaction commits. (Without the lock first, a read that another connection's commit made stale would fail
   * this transaction's first write with SQLITE_BUSY_SNAPSHOT, to be run again: safe, but work thrown away each time a
   * receiver in another process commits in between.)
   */
  async stillHeld(trx: Tx, ids: number[]): Promise<Set<number>> {
    const conn = await sqliteConnectionOf(trx);
    prepared(conn, TAKE_WRITE_LOCK).run();
    const rows = prepared(conn, WAITING).all(JSON.stringify(ids)) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  /** The attempts count stands in for a ticket: two workers that gave back one event (each with its copy) count one attempt. */
  protected givenBackRows(e: ClaimedEvent): Record<string, string | number> {
    return { id: e.id, attempts: e.attempts, status: 'accepted' };
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
