/** Row shapes of the inbox tables, as knex reads them from either engine. */

/** A row of `inbox_events`. */
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

/** A row of `inbox_conflicts`. */
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

/** A row of `rejected_deliveries`. */
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
