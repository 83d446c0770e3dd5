import type { Tx } from '../db/transaction';
import type { EntityViewStore, ViewRefreshResult } from './entity-view-store';
import { ident, type EntityViewDefinition, type ViewDialect } from './entity-views';

/**
 * Entity views on knex; what differs per engine (the refresh lock, how a view's fingerprint is kept and read) is in
 * SqliteEntityViewStore and PgEntityViewStore, chosen by createEntityViewStore.
 * @remarks Run in one transaction (the caller's): readers see the old views or the new ones, never none (DDL is
 * transactional on both engines). A view is dropped and created rather than replaced, since PostgreSQL's CREATE OR
 * REPLACE cannot remove a column. A view whose definition did not change is not touched, so a restart takes no lock
 * readers would wait on. On PostgreSQL, a view of the user's own that depends on ours makes the drop fail: the
 * refresh then rolls back and the previous views stay (nothing is dropped with CASCADE behind the user's back).
 */
export abstract class KnexEntityViewStore implements EntityViewStore {
  abstract readonly dialect: ViewDialect;

  async apply(trx: Tx, views: EntityViewDefinition[]): Promise<ViewRefreshResult> {
    await this.lock(trx);
    const existing = await this.existing(trx);
    const result: ViewRefreshResult = { created: [], replaced: [], unchanged: [], dropped: [] };
    for (const view of views) {
      const had = existing.get(view.name);
      existing.delete(view.name);
      if (had === view.fingerprint) {
        result.unchanged.push(view.name);
        continue;
      }
      if (had !== undefined) await trx.raw(`drop view if exists ${ident(view.name)}`);
      await trx.raw(view.createSql);
      await this.keepFingerprint(trx, view);
      (had === undefined ? result.created : result.replaced).push(view.name);
    }
    for (const stale of existing.keys()) {
      await trx.raw(`drop view if exists ${ident(stale)}`);
      result.dropped.push(stale);
    }
    return result;
  }

  /** Serializes refreshes of several processes, until `trx` ends. */
  protected abstract lock(trx: Tx): Promise<void>;

  /** The views with the reserved prefix, by name, with the fingerprint of their definition. */
  protected abstract existing(trx: Tx): Promise<Map<string, string>>;

  /** Keeps the fingerprint of a view just created, where `existing` will find it. */
  protected abstract keepFingerprint(trx: Tx, view: EntityViewDefinition): Promise<void>;
}
