import { AppError } from '../core/app-error';
import type { Change } from '../feed/change-feed';

/** The value types of a declared field (the mapping language's field types). */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime' | 'enum' | 'json' | 'collection';

/** One declared field of what a connector sends for an entity: a CSV column, a database column. */
export interface ShapeColumn {
  name: string;
  type: ColumnType;
  required: boolean;
}

/**
 * What a connector sends for each change: the normalized record as it is, or the record through the connector's
 * output mapping for its entity. Built by the composition root from src/mapping, so connectors never import the
 * mapping stage (rule `connectors-read-the-feed`, docs/architecture.md).
 */
export interface RecordShapes {
  /**
   * The declared fields of what is sent for `entity`, in the mapping file's order: the output mapping's when the
   * connector has one, else the inbound mapping's; undefined when no mapping declares the entity.
   */
  columns(entity: string): ShapeColumn[] | undefined;
  /** True when `entity` goes through an output mapping. */
  hasOutputMapping(entity: string): boolean;
  /**
   * The data to send for a change.
   * @throws AppError CONNECTOR_OUTPUT_MAPPING_FAILED when the output mapping refuses the record (parked like a refusal).
   */
  shape(change: Change): Promise<Record<string, unknown>>;
}

/** Sends the normalized record as it is; columns from `declared` (the inbound mappings), when given. */
export function identityShapes(declared: (entity: string) => ShapeColumn[] | undefined = () => undefined): RecordShapes {
  return { columns: declared, hasOutputMapping: () => false, shape: async (change) => change.data };
}

/** The error of a record its output mapping refused: final for that change, like a downstream's 4xx. */
export function outputMappingFailed(change: Change, problems: string[]): AppError {
  return new AppError(
    'CONNECTOR_OUTPUT_MAPPING_FAILED',
    `change ${change.seq} (${change.entity} ${change.key}): the output mapping refused it: ${problems.join('; ')}`,
    { response: problems.join('\n') },
  );
}
