import type { Tx } from '../db/transaction';

/** Who made a mutation through the admin API: the API key (its name is copied, so a revoked key still explains). */
export interface AdminActor {
  keyId: string;
  keyName: string;
}

/** One audited mutation: who, the route, what it was asked (filter or body) and what it affected. */
export interface AdminAuditEntry {
  actor: AdminActor;
  route: string;
  request: Record<string, unknown>;
  affected: Record<string, unknown>;
}

/** A stored audit row. */
export interface AdminAuditRow extends AdminAuditEntry {
  id: number;
  at: Date;
}

/** The admin_audit table (migration 009): appended in the mutation's transaction, listed newest first. */
export interface AdminAuditStore {
  record(trx: Tx, entry: AdminAuditEntry, at: Date): Promise<void>;
  /** Newest first; `beforeId` continues a page (keyset). */
  list(query: { limit: number; beforeId?: number }): Promise<AdminAuditRow[]>;
}
