import type { Knex } from 'knex';

/** An inbox_events query with each event's body joined from inbox_payloads (null once retention purged it). */
export function withPayloadBody(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.leftJoin('inbox_payloads', 'inbox_payloads.event_id', 'inbox_events.id').select('inbox_events.*', 'inbox_payloads.body');
}
