import type { Knex } from 'knex';
import { byEngine } from '../db/create-knex';
import type { InboxQueue } from './inbox-queue';
import type { InboxStore } from './inbox-store';
import { PgInboxQueue } from './pg-inbox-queue';
import { PgInboxStore } from './pg-inbox-store';
import { SqliteInboxQueue } from './sqlite-inbox-queue';
import { SqliteInboxStore } from './sqlite-inbox-store';

/** Options of the inbox store. */
export interface InboxStoreOptions {
  /**
   * On SQLite, how long after its earliest delivery arrived a batch keeps retrying a database another process has
   * locked (default 5000); unused on PostgreSQL.
   */
  lockWaitMs?: number;
}

/** The receiver's InboxStore for the engine `db` talks to; called once, at composition. */
export function createInboxStore(db: Knex, options: InboxStoreOptions = {}): InboxStore {
  return byEngine<InboxStore>(db, { sqlite: () => new SqliteInboxStore(db, options.lockWaitMs), pg: () => new PgInboxStore(db) });
}

/** The worker's InboxQueue for the engine `db` talks to; called once, at composition. */
export function createInboxQueue(db: Knex): InboxQueue {
  return byEngine<InboxQueue>(db, { sqlite: () => new SqliteInboxQueue(db), pg: () => new PgInboxQueue(db) });
}
