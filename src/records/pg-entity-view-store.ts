import type { Tx } from '../db/transaction';
import { ident, VIEW_PREFIX, type EntityViewDefinition, type ViewDialect } from './entity-views';
import { KnexEntityViewStore } from './knex-entity-view-store';

/** Serializes view refreshes of several processes on one PostgreSQL database ("ADSV" in ASCII). */
const VIEWS_LOCK = 0x41445356;

const COMMENT_TAG = 'appdirect-sync entity view, generated from the mapping files; fingerprint ';

/** Entity views on PostgreSQL: refreshes under an advisory lock, each view's fingerprint kept in its comment. */
export class PgEntityViewStore extends KnexEntityViewStore {
  readonly dialect: ViewDialect = 'pg';

  protected async lock(trx: Tx): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [VIEWS_LOCK]);
  }

  protected async existing(trx: Tx): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const { rows } = (await trx.raw(
      `select c.relname as name, obj_description(c.oid, 'pg_class') as note from pg_class c
       where c.relkind = 'v' and c.relnamespace = current_schema()::regnamespace and c.relname like ?`,
      [`${VIEW_PREFIX}%`],
    )) as { rows: { name: string; note: string | null }[] };
    for (const r of rows) if (r.name.startsWith(VIEW_PREFIX)) out.set(r.name, fingerprintFromComment(r.note));
    return out;
  }

  protected async keepFingerprint(trx: Tx, view: EntityViewDefinition): Promise<void> {
    await trx.raw(`comment on view ${ident(view.name)} is ${commentOf(view.fingerprint)}`);
  }
}

function commentOf(fingerprint: string): string {
  return `'${COMMENT_TAG}${fingerprint}'`;
}

function fingerprintFromComment(note: string | null): string {
  return note?.startsWith(COMMENT_TAG) ? note.slice(COMMENT_TAG.length) : '';
}
