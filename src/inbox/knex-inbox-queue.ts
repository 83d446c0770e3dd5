import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { chunks } from '../db/chunks';
import { dialectOf } from '../db/create-knex';
import { asNumber, type DbInboxEventRow } from '../db/rows';
import { prepared, sqliteConnectionOf, withSqliteConnection } from '../db/sqlite-statements';
import type { Tx } from '../db/transaction';
import type { ResourceAction } from '../receiver/envelope';
import type { ClaimedEvent, EventCompletion, InboxQueue } from './inbox-queue';

/** What a claim returns of each event: its envelope columns, attempts and body. */
type ClaimRow = Pick<DbInboxEventRow, 'id' | 'source' | 'delivery_uuid' | 'resource_type' | 'resource_uuid' | 'resource_action' | 'event_timestamp' | 'body'> & {
  attempts: number;
};

function claimSql(lock: string): string {
  return `update inbox_events set claim_ticket = ?, lease_until = ?
    where id in (
      select id from inbox_events
      where status = 'accepted'
        and (lease_until is null or lease_until < ?)
        and (next_attempt_at is null or next_attempt_at <= ?)
      order by id limit ? ${lock})
    returning id, source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, attempts, body`;
}

// SQLite: a whole batch's ids go in as one JSON array, so these are prepared once instead of once per batch size.
const HELD_SQL = `select id from inbox_events where id in (select value from json_each(?)) and claim_ticket = ? and status = 'accepted'`;
const COMPLETE_SQL = `update inbox_events
  set status = ?, processed_at = ?, mapping_version = ?, claim_ticket = null, lease_until = null, next_attempt_at = null,
      error_code = null, error_detail = null
  where id in (select value from json_each(?))`;

/** InboxQueue on knex. One claim is one statement: UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING. */
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
        body: r.body,
      }))
      .sort((a, b) => a.id - b.id);
  }

  /** One statement, on `trx` when given (claiming the next batch inside the apply transaction), else on its own. */
  private async claimRows(params: (string | number)[], trx: Tx | undefined): Promise<ClaimRow[]> {
    if (dialectOf(this.db) === 'sqlite') {
      const run = (conn: Database.Database) => prepared(conn, claimSql('')).all(...params) as ClaimRow[];
      const conn = trx ? await sqliteConnectionOf(trx) : undefined;
      return conn ? run(conn) : ((await withSqliteConnection(this.db, run)) ?? []);
    }
    // PostgreSQL: concurrent workers skip each other's rows instead of waiting or double-claiming.
    const result = (await (trx ?? this.db).raw(claimSql('for update skip locked'), params)) as { rows: ClaimRow[] };
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

