/** Row shapes of the tables, one per table, as knex reads them from either engine. */

export interface DbInboxEventRow {
  id: number | string;
  source: string;
  delivery_uuid: string;
  resource_type: string;
  resource_uuid: string;
  resource_action: string;
  event_timestamp: number | string;
  body_sha256: string;
  envelope: string;
  principal: string;
  status: string;
  received_at: Date | string | number;
}

export interface DbInboxConflictRow {
  id: number | string;
  inbox_event_id: number | string;
  source: string;
  delivery_uuid: string;
  body: Buffer;
  body_sha256: string;
  principal: string;
  received_at: Date | string | number;
}

export interface DbRejectedDeliveryRow {
  id: number | string;
  source: string;
  principal: string;
  status_code: number;
  error_code: string;
  message: string;
  request_id: string;
  remote_address: string | null;
  body_bytes: number | null;
  body_excerpt: Buffer | null;
  received_at: Date | string | number;
}

export interface DbOauthClientRow {
  client_id: string;
  source: string;
  secret_hash: string;
  description: string | null;
  created_at: Date | string | number;
  revoked_at: Date | string | number | null;
  /** Space-separated grant types (migration 007). */
  grants: string;
}

export interface DbOauthUserRow {
  id: number | string;
  source: string;
  username: string;
  password_hash: string;
  created_at: Date | string | number;
  revoked_at: Date | string | number | null;
}

export interface DbOauthTokenRow {
  token_sha256: string;
  client_id: string;
  source: string;
  username: string | null;
  scope: string | null;
  expires_at: Date | string | number;
  created_at: Date | string | number;
  revoked_at: Date | string | number | null;
}

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

/** PostgreSQL returns Date, SQLite the ISO text we wrote: both become a Date. */
export function asDate(v: Date | string | number): Date {
  return v instanceof Date ? v : new Date(v);
}

/** PostgreSQL returns bigint columns as strings; ids in this service are JS numbers (below 2^53). */
export function asNumber(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}
