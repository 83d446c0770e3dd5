import type { Tx } from '../db/transaction';
import { fingerprintOf, VIEW_PREFIX, type ViewDialect } from './entity-views';
import { KnexEntityViewStore } from './knex-entity-view-store';

/** Entity views on SQLite: the CREATE statement kept by SQLite is the fingerprint's source; one writer needs no lock. */
export class SqliteEntityViewStore extends KnexEntityViewStore {
  readonly dialect: ViewDialect = 'sqlite';

  protected async lock(): Promise<void> {}

  protected async existing(trx: Tx): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    // SQLite keeps the CREATE statement as it was given: its digest is the fingerprint.
    const rows = (await trx.raw(`select name, sql from sqlite_master where type = 'view' and name like ?`, [`${VIEW_PREFIX}%`])) as {
      name: string;
      sql: string;
    }[];
    for (const r of rows) if (r.name.startsWith(VIEW_PREFIX)) out.set(r.name, fingerprintOf(r.sql));
    return out;
  }

  protected async keepFingerprint(): Promise<void> {}
}
