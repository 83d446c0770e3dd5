import type { Knex } from 'knex';
import type { Logger } from '../core/logger';
import { withTransaction } from '../db/transaction';
import type { CompiledMapping, MappingRegistry } from '../mapping';
import { entityViews, type EntityViewDefinition } from './entity-views';
import type { EntityViewStore, ViewRefreshResult } from './entity-view-store';

/** A mapping registry that says when it reloaded (FileMappingRegistry with hot reload). */
export interface ReloadingRegistry {
  onReload(listener: (mappings: CompiledMapping[]) => void): () => void;
}

/**
 * Keeps one SQL view per entity in step with the mapping files: at start, and after every hot reload that swapped
 * a mapping.
 * @remarks Refreshes run one at a time, in call order, so two quick reloads cannot interleave their DDL; the last
 * one applied is always the registry's current state.
 */
export class EntityViewService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Knex,
    private readonly store: EntityViewStore,
    private readonly mappings: MappingRegistry,
    private readonly logger: Logger,
  ) {}

  /** The views the current mappings call for, in this database's dialect. */
  definitions(): EntityViewDefinition[] {
    return entityViews(this.mappings.all(), this.store.dialect);
  }

  /** Applies the current mappings' views. Rejects when the database refused them (the previous views stay). */
  refresh(): Promise<ViewRefreshResult> {
    const run = this.queue.then(() => withTransaction(this.db, (trx) => this.store.apply(trx, this.definitions())));
    this.queue = run.catch(() => undefined);
    return run.then((result) => {
      const changed = result.created.length + result.replaced.length + result.dropped.length > 0;
      if (changed)
        this.logger.info({ created: result.created, replaced: result.replaced, dropped: result.dropped }, 'entity views refreshed');
      return result;
    });
  }

  /**
   * Refreshes and logs a failure instead of throwing: the views are a convenience for people reading SQL and must
   * not keep webhooks from being received. Resolves once done either way.
   */
  async refreshOrLog(): Promise<ViewRefreshResult | undefined> {
    try {
      return await this.refresh();
    } catch (err) {
      this.logger.error({ err }, 'entity views not refreshed; the previous views stay');
      return undefined;
    }
  }

  /** Refreshes after each reload of `registry`; returns the unsubscribe function. */
  follow(registry: ReloadingRegistry): () => void {
    return registry.onReload(() => void this.refreshOrLog());
  }

  /** Resolves when every refresh asked for so far has finished (for an orderly stop, and for tests). */
  async idle(): Promise<void> {
    await this.queue;
  }
}
