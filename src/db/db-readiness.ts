import type { Knex } from 'knex';
import type { ReadinessProbe } from '../http/health-router';
import { migrationsAreCurrent } from './migration-source';

/** Ready when the database answers a query and no migration is pending. */
export class DbReadiness implements ReadinessProbe {
  constructor(private readonly db: Knex) {}

  async check(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    try {
      await this.db.raw('select 1');
    } catch {
      return { ready: false, checks: { database: 'unreachable', migrations: 'unknown' } };
    }
    const current = await migrationsAreCurrent(this.db).catch(() => false);
    return { ready: current, checks: { database: 'ok', migrations: current ? 'current' : 'pending' } };
  }
}
