/** Row shape of the `records` table, as knex reads it from either engine. */

/** A row of `records`. */
export interface DbRecordRow {
  source: string;
  entity: string;
  record_key: string;
  data: string;
  raw_content: string | null;
  event_uuid: string;
  event_timestamp: number | string;
  event_action: string;
  mapping_version: string;
  data_timestamp: number | string | null;
  data_action: string | null;
  data_uuid: string | null;
  deleted: boolean | number;
  created_at: Date | string;
  updated_at: Date | string;
}
