import type { Knex } from 'knex';
import { byEngine } from '../db/create-knex';
import { createChangeLog } from '../feed/create-change-log';
import type { EntityViewStore } from './entity-view-store';
import { KnexRemapStore } from './knex-remap-store';
import { PgEntityViewStore } from './pg-entity-view-store';
import { PgRecordStore } from './pg-record-store';
import type { RecordStore } from './record-store';
import type { RemapStore } from './remap-store';
import { SqliteEntityViewStore } from './sqlite-entity-view-store';
import { SqliteRecordStore } from './sqlite-record-store';

/** The RecordStore for the engine `db` talks to, appending changes through the feed's ChangeLog; called once, at composition. */
export function createRecordStore(db: Knex): RecordStore {
  const changeLog = createChangeLog(db);
  return byEngine<RecordStore>(db, { sqlite: () => new SqliteRecordStore(db, changeLog), pg: () => new PgRecordStore(db, changeLog) });
}

/** The RemapStore (one knex implementation for both engines), appending changes through the feed's ChangeLog. */
export function createRemapStore(db: Knex): RemapStore {
  return new KnexRemapStore(db, createChangeLog(db));
}

/** The EntityViewStore for the engine `db` talks to. */
export function createEntityViewStore(db: Knex): EntityViewStore {
  return byEngine<EntityViewStore>(db, { sqlite: () => new SqliteEntityViewStore(), pg: () => new PgEntityViewStore() });
}
