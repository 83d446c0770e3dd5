import type { Knex } from 'knex';
import { byEngine } from '../db/create-knex';
import type { ChangeLog } from './change-log';
import { PgChangeLog } from './pg-change-log';
import { SqliteChangeLog } from './sqlite-change-log';

/** The ChangeLog for the engine `db` talks to; the record and remap stores are built with it. */
export function createChangeLog(db: Knex): ChangeLog {
  return byEngine<ChangeLog>(db, { sqlite: () => new SqliteChangeLog(), pg: () => new PgChangeLog() });
}
