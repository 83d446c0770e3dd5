import type { ChangeCause, ChangeKind } from '../domain/change';

/** A row of `changes`, as knex reads it from either engine. */
export interface DbChangeRow {
  seq: number | string;
  source: string;
  entity: string;
  record_key: string;
  kind: ChangeKind;
  data: string;
  inbox_event_id: number | string | null;
  event_uuid: string;
  event_timestamp: number | string;
  mapping_version: string;
  cause: ChangeCause;
  created_at: Date | string;
}
