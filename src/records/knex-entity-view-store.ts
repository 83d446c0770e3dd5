import type { Knex } from 'knex';
import { dialectOf } from '../db/create-knex';
import type { EntityViewStore, ViewRefreshResult } from './entity-view-store';
import { fingerprintOf, ident, VIEW_PREFIX, type EntityViewDefinition, type ViewDialect } from './entity-views';

/** Serializes view refreshes of several processes on one PostgreSQL database ("ADSV" in ASCII). */
const VIEWS_LOCK = 0x41445356;

/**
 * Entity views on knex.
 * @remarks One transaction: readers see the old views or the new ones, never none (DDL is transactional on both
 * engines). A view is dropped and created rather than replaced, since PostgreSQL's CREATE OR REPLACE cannot remove
 * a column. A view whose definition did not change is not touched, so a restart takes no lock readers would wait
 * on. On PostgreSQL, a view of the user's own that depends on ours makes the drop fail: the refresh then rolls back
 * and the previous views stay (nothing is dropped with CASCADE behind the user's back).
 */
export class KnexEntityViewStore implements EntityViewStore {
  readonly dialect: ViewDialect;

  constructor(private readonly db: Knex) {
    this.dialect = dialectOf(db);
  }

  async apply(views: EntityViewDefinition[]): Promise<ViewRefreshResult> {
    return this.db.transaction(async (trx) => {
      if (this.dialect === 'pg') await trx.raw('select pg_advisory_xact_lock(?)', [VIEWS_LOCK]);
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
        if (this.dialect === 'pg') await trx.raw(`comment on view ${ident(view.name)} is ${commentOf(view.fingerprint)}`);
        (had === undefined ? result.created : result.replaced).push(view.name);
      }
      for (const stale of existing.keys()) {
        await trx.raw(`drop view if exists ${ident(stale)}`);
        result.dropped.push(stale);
      }
      return result;
    });
  }

  /** The views with the reserved prefix, by name, with the fingerprint of their definition. */
  private async existing(trx: Knex.Transaction): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (this.dialect === 'pg') {
      const { rows } = (await trx.raw(
        `select c.relname as name, obj_description(c.oid, 'pg_class') as note from pg_class c
         where c.relkind = 'v' and c.relnamespace = current_schema()::regnamespace and c.relname like ?`,
        [`${VIEW_PREFIX}%`],
      )) as { rows: { name: string; note: string | null }[] };
      for (const r of rows) if (r.name.startsWith(VIEW_PREFIX)) out.set(r.name, fingerprintFromComment(r.note));
      return out;
    }
    // SQLite keeps the CREATE statement as it was given: its digest is the fingerprint.
    const rows = (await trx.raw(`select name, sql from sqlite_master where type = 'view' and name like ?`, [`${VIEW_PREFIX}%`])) as { name: string; sql: string }[];
    for (const r of rows) if (r.name.startsWith(VIEW_PREFIX)) out.set(r.name, fingerprintOf(r.sql));
    return out;
  }
}

const COMMENT_TAG = 'appdirect-sync entity view, generated from the mapping files; fingerprint ';

function commentOf(fingerprint: string): string {
  return `'${COMMENT_TAG}${fingerprint}'`;
}

function fingerprintFromComment(note: string | null): string {
  return note?.startsWith(COMMENT_TAG) ? note.slice(COMMENT_TAG.length) : '';
}
