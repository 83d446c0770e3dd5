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
  readonly dialect: ViewDialect;
  /** Makes the database's entity views exactly `views`, all or nothing. */
  apply(views: EntityViewDefinition[]): Promise<ViewRefreshResult>;
}
