import type { Knex } from 'knex';
import type { ChangeKind } from '../domain/change';

/** The change one inbox event appended, as `mappings diff` compares it. */
export interface ChangeOfEvent {
  ref: { source: string; entity: string; key: string };
  kind: ChangeKind;
  /** Canonical JSON text of the record's data after the change. */
  data: string;
}

/** The change the inbox event `inboxEventId` appended, if it appended one (and retention kept it). */
export async function changeOfEvent(db: Knex, inboxEventId: number): Promise<ChangeOfEvent | undefined> {
  const row = (await db('changes')
    .select('source', 'entity', 'record_key', 'kind', 'data')
    .where('inbox_event_id', inboxEventId)
    .first()) as { source: string; entity: string; record_key: string; kind: ChangeKind; data: string } | undefined;
  if (!row) return undefined;
  return { ref: { source: row.source, entity: row.entity, key: row.record_key }, kind: row.kind, data: row.data };
}
