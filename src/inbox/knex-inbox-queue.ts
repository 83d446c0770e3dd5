import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { chunks } from '../db/chunks';
import { dialectOf } from '../db/create-knex';
import { asNumber } from '../db/column-values';
import type { DbInboxEventRow } from './inbox-rows';
import { prepared, sqliteConnectionOf, withSqliteConnection } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import type { ResourceAction } from '../domain/envelope';
import type { ClaimedEvent, EventCompletion, InboxQueue } from './inbox-queue';

/** What a claim returns of each event: its envelope columns, attempts and body. */
type ClaimRow = Pick<DbInboxEventRow, 'id' | 'source' | 'delivery_uuid' | 'resource_type' | 'resource_uuid' | 'resource_action' | 'event_timestamp'> & {
  attempts: number;
  /** Null when retention purged it (such events are not claimable in practice: they are done or stale). */
  body: Buffer | null;
};

const CLAIMABLE = `select id from inbox_events
  where status = 'accepted'
    and (lease_until is null or lease_until < ?)
    and (next_attempt_at is null or next_attempt_at <= ?)
  order by id limit ?`;
const CLAIMED_COLUMNS = 'id, source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, attempts';
const CLAIM_SQLITE = `update inbox_events set claim_ticket = ?, lease_until = ? where id in (${CLAIMABLE}) returning ${CLAIMED_COLUMNS}`;
// PostgreSQL: concurrent workers skip each other's rows instead of waiting or double-claiming; the bodies come in
// the same statement.
const CLAIM_PG = `with claimed as (
    update inbox_events set claim_ticket = ?, lease_until = ? where id in (${CLAIMABLE} for update skip locked)
    returning ${CLAIMED_COLUMNS})
  select claimed.*, p.body from claimed left join inbox_payloads p on p.event_id = claimed.id`;
const BODIES_SQLITE = 'select event_id, body from inbox_payloads where event_id in (select value from json_each(?))';

/** SQLite has no UPDATE in a WITH: the bodies of the claimed rows are read in a second statement. */
function withBodies(conn: Database.Database, rows: Omit<ClaimRow, 'body'>[]): ClaimRow[] {
  if (rows.length === 0) return [];
  const payloads = prepared(conn, BODIES_SQLITE).all(JSON.stringify(rows.map((r) => r.id))) as { event_id: number; body: Buffer }[];
  const bodies = new Map(payloads.map((p) => [p.event_id, p.body]));
  return rows.map((r) => ({ ...r, body: bodies.get(asNumber(r.id)) ?? null }));
}

// SQLite: a whole batch's ids go in as one JSON array, so these are prepared once instead of once per batch size.
const HELD_SQL = `select id from inbox_events where id in (select value from json_each(?)) and claim_ticket = ? and status = 'accepted'`;
const COMPLETE_SQL = `update inbox_events
  set status = ?, processed_at = ?, mapping_version = ?, claim_ticket = null, lease_until = null, next_attempt_at = null,
      error_code = null, error_detail = null
  where id in (select value from json_each(?))`;

/**
 * InboxQueue on knex. A claim is one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING, with the bodies read from
 * inbox_payloads in the same statement (PostgreSQL) or right after it on the same connection (SQLite).
 */
export class KnexInboxQueue implements InboxQueue {
  constructor(private readonly db: Knex) {}

  async claim(limit: number, leaseMs: number, now: Date, trx?: Tx): Promise<ClaimedEvent[]> {
    const ticket = randomUUID();
    const nowIso = now.toISOString();
    const params = [ticket, new Date(now.getTime() + leaseMs).toISOString(), nowIso, nowIso, limit];
    const rows = await this.claimRows(params, trx);
    return rows
      .map((r) => ({
        id: asNumber(r.id),
        ticket,
        source: r.source,
        deliveryUuid: r.delivery_uuid,
        resourceType: r.resource_type,
        resourceUuid: r.resource_uuid,
        action: r.resource_action as ResourceAction,
        timestamp: asNumber(r.event_timestamp),
        attempts: r.attempts,
        body: r.body ?? Buffer.alloc(0),
      }))
      .sort((a, b) => a.id - b.id);
  }

  /** The claim (and its bodies), on `trx` when given (claiming the next batch inside the apply transaction), else on its own. */
  private async claimRows(params: (string | number)[], trx: Tx | undefined): Promise<ClaimRow[]> {
    if (dialectOf(this.db) === 'sqlite') {
      const run = (conn: Database.Database) => withBodies(conn, prepared(conn, CLAIM_SQLITE).all(...params) as Omit<ClaimRow, 'body'>[]);
      const conn = trx ? await sqliteConnectionOf(trx) : undefined;
      return conn ? run(conn) : ((await withSqliteConnection(this.db, run)) ?? []);
    }
    const result = (await (trx ?? this.db).raw(CLAIM_PG, params)) as { rows: ClaimRow[] };
    return result.rows;
  }

  async stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>> {
    const held = new Set<number>();
    const sqlite = await sqliteConnectionOf(trx);
    if (sqlite) {
      const rows = prepared(sqlite, HELD_SQL).all(JSON.stringify(ids), ticket) as { id: number }[];
      for (const r of rows) held.add(r.id);
      return held;
    }
    for (const chunk of chunks(ids, 500)) {
      const q = trx('inbox_events').select('id').whereIn('id', chunk).andWhere({ claim_ticket: ticket, status: 'accepted' }).forUpdate();
      for (const r of (await q) as { id: number | string }[]) held.add(asNumber(r.id));
    }
    return held;
  }

  async complete(trx: Tx, completions: EventCompletion[], now: Date): Promise<void> {
    const processedAt = now.toISOString();
    const plain = new Map<string, number[]>();
    for (const c of completions) {
      if (c.errorCode !== undefined) {
        await trx('inbox_events')
          .where('id', c.id)
          .update({ ...released(c.status, processedAt), mapping_version: c.mappingVersion ?? null, error_code: c.errorCode, error_detail: JSON.stringify(c.errorDetail ?? null) });
        continue;
      }
      const key = `${c.status}\u0000${c.mappingVersion ?? ''}`;
      const ids = plain.get(key) ?? [];
      ids.push(c.id);
      plain.set(key, ids);
    }
    const sqlite = await sqliteConnectionOf(trx);
    for (const [key, ids] of plain) {
      const [status, mappingVersion] = key.split('\u0000') as [EventCompletion['status'], string];
      if (sqlite) {
        prepared(sqlite, COMPLETE_SQL).run(status, processedAt, mappingVersion || null, JSON.stringify(ids));
        continue;
      }
      for (const chunk of chunks(ids, 500)) {
        await trx('inbox_events')
          .whereIn('id', chunk)
          .update({ ...released(status, processedAt), mapping_version: mappingVersion || null, error_code: null, error_detail: null });
      }
    }
  }

  async retryLater(
    events: ClaimedEvent[],
    error: { code: string; message: string },
    maxAttempts: number,
    backoffMs: (attempt: number) => number,
    now: Date,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      for (const e of events) {
        const attempts = e.attempts + 1;
        const detail = JSON.stringify({ message: error.message, attempts });
        const base = trx('inbox_events').where({ id: e.id, claim_ticket: e.ticket, status: 'accepted' });
        if (attempts >= maxAttempts) {
          await base.update({ ...released('dead', now.toISOString()), attempts, error_code: error.code, error_detail: detail });
        } else {
          await base.update({
            attempts,
            claim_ticket: null,
            lease_until: null,
            next_attempt_at: new Date(now.getTime() + backoffMs(attempts)).toISOString(),
            error_code: error.code,
            error_detail: detail,
          });
        }
      }
    });
  }
}

function released(status: string, processedAt: string) {
  return { status, processed_at: processedAt, claim_ticket: null, lease_until: null, next_attempt_at: null };
}

