import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { chunks } from '../db/chunks';
import { dialectOf } from '../db/create-knex';
import { asNumber, type DbInboxEventRow } from '../db/rows';
import type { Tx } from '../db/transaction';
import type { ResourceAction } from '../receiver/envelope';
import type { ClaimedEvent, EventCompletion, InboxQueue } from './inbox-queue';

/** What a claim returns of each event: its envelope columns, attempts and body. */
type ClaimRow = Pick<DbInboxEventRow, 'id' | 'source' | 'delivery_uuid' | 'resource_type' | 'resource_uuid' | 'resource_action' | 'event_timestamp' | 'body'> & {
  attempts: number;
};

/** InboxQueue on knex. One claim is one statement: UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING. */
export class KnexInboxQueue implements InboxQueue {
  constructor(private readonly db: Knex) {}

  async claim(limit: number, leaseMs: number, now: Date): Promise<ClaimedEvent[]> {
    const ticket = randomUUID();
    const nowIso = now.toISOString();
    // PostgreSQL: concurrent workers skip each other's rows instead of waiting or double-claiming.
    const lock = dialectOf(this.db) === 'pg' ? 'for update skip locked' : '';
    const result = await this.db.raw(
      `update inbox_events set claim_ticket = ?, lease_until = ?
       where id in (
         select id from inbox_events
         where status = 'accepted'
           and (lease_until is null or lease_until < ?)
           and (next_attempt_at is null or next_attempt_at <= ?)
         order by id limit ? ${lock})
       returning id, source, delivery_uuid, resource_type, resource_uuid, resource_action, event_timestamp, attempts, body`,
      [ticket, new Date(now.getTime() + leaseMs).toISOString(), nowIso, nowIso, limit],
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: ClaimRow[] }).rows) as ClaimRow[];
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

  async stillHeld(trx: Tx, ids: number[], ticket: string): Promise<Set<number>> {
    const held = new Set<number>();
    for (const chunk of chunks(ids, 500)) {
      let q = trx('inbox_events').select('id').whereIn('id', chunk).andWhere({ claim_ticket: ticket, status: 'accepted' });
      if (dialectOf(this.db) === 'pg') q = q.forUpdate();
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
    for (const [key, ids] of plain) {
      const [status, mappingVersion] = key.split('\u0000') as [EventCompletion['status'], string];
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

