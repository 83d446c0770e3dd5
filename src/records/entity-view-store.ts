import type { Tx } from '../db/transaction';
import type { EntityViewDefinition, ViewDialect } from './entity-views';

/** What a refresh did, by view name. */
export interface ViewRefreshResult {
  created: string[];
  replaced: string[];
  unchanged: string[];
  /** Views with the reserved prefix that no mapping produces any more. */
  dropped: string[];
}

/** The SQL views of the entities, as the database holds them. */
export interface EntityViewStore {
  /** The engine the views are generated for. */
  readonly dialect: ViewDialect;
  /** Makes the database's entity views exactly `views`, inside the caller's transaction (so all or nothing). */
  apply(trx: Tx, views: EntityViewDefinition[]): Promise<ViewRefreshResult>;
}
