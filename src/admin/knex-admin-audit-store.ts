import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { AdminAuditEntry, AdminAuditRow, AdminAuditStore } from './admin-audit-store';

interface DbAdminAuditRow {
  id: number | string;
  at: Date | string;
  key_id: string;
  key_name: string;
  route: string;
  request: string;
  affected: string;
}

/** AdminAuditStore on knex (both engines). */
export class KnexAdminAuditStore implements AdminAuditStore {
  constructor(private readonly db: Knex) {}

  async record(trx: Tx, entry: AdminAuditEntry, at: Date): Promise<void> {
    await trx('admin_audit').insert({
      at: at.toISOString(),
      key_id: entry.actor.keyId,
      key_name: entry.actor.keyName,
      route: entry.route,
      request: JSON.stringify(entry.request),
      affected: JSON.stringify(entry.affected),
    });
  }

  async list(query: { limit: number; beforeId?: number }): Promise<AdminAuditRow[]> {
    let q = this.db('admin_audit').select('*').orderBy('id', 'desc').limit(query.limit);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    const rows = (await q) as DbAdminAuditRow[];
    return rows.map((r) => ({
      id: asNumber(r.id),
      at: asDate(r.at),
      actor: { keyId: r.key_id, keyName: r.key_name },
      route: r.route,
      request: JSON.parse(r.request) as Record<string, unknown>,
      affected: JSON.parse(r.affected) as Record<string, unknown>,
    }));
  }
}
