import type { RecordLinks } from '../domain/record-links';

/**
 * The contract between mapping files and the rest of the service. The sync engine sees only these types; how a
 * mapping file is parsed, validated and compiled stays inside src/mapping/.
 */

/** The value types a mapped field can have. `collection` is a list of items, each mapped by its own fields. */
export const FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'enum', 'json', 'collection'] as const;

/** One of {@link FIELD_TYPES}. */
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * One reason a delivery could not be mapped. It names everything a person needs to find the fault without a
 * debugger: the mapping file, the target field, the source path (or expression) and the delivery's uuid.
 */
export interface MappingIssue {
  /** An ErrorCode such as MAPPING_REQUIRED_FIELD_MISSING. */
  code: string;
  message: string;
  file: string;
  /** Target field, with item indexes for collections: `lines[2].quantity`. Empty for whole-delivery issues. */
  field: string;
  /** Source path into the delivery (`resource.content.orderLines[2].quantity`) or the JSONata expression. */
  path: string;
  deliveryUuid: string;
}

/** A target field as the rest of the service sees it: enough to generate SQL views or CRM schemas later. */
export interface FieldDescriptor {
  name: string;
  type: FieldType;
  required: boolean;
  /** Item fields, for collections only. */
  fields?: FieldDescriptor[];
}

/** A link a mapping declares: its name and the target entity (for views and the dangling-links listing). */
export interface LinkDescriptor {
  name: string;
  entity: string;
}

/**
 * The outcome of mapping one delivery: a normalized record with its links, or every issue found (not just the
 * first). Store `withLinks(data, links)` (src/domain/record-links.ts) as the record's document.
 */
export type MapResult =
  | { ok: true; key: string; data: Record<string, unknown>; links: RecordLinks; mappingVersion: string }
  | { ok: false; errors: MappingIssue[] };

/** Which path gave each path-read field its value (null: none did), for `mappings preview`. */
export type MatchedPaths = Record<string, string | null>;

/**
 * A validated, compiled mapping file. Pure: `keyOf` and `map` read only the delivery they are given.
 *
 * @remarks `map` returns synchronously when the mapping has no JSONata expression fields, and a Promise otherwise;
 * `await` works on both. `isAsync` says which, for callers that care about the fast path.
 */
export interface CompiledMapping {
  /** Path of the mapping file, as given to the loader. */
  file: string;
  /** resource.type values this mapping handles: the declared type first, then its aliases. */
  resourceTypes: string[];
  entity: string;
  /** A hash of the mapping file's bytes; every record carries it so a re-projection knows what produced it. */
  version: string;
  provisional: boolean;
  fields: FieldDescriptor[];
  /** The links the mapping declares, in name order. */
  links: LinkDescriptor[];
  /** Envelope paths removed before mapping (payment details and the like). */
  drop: string[];
  /** True when `map` returns a Promise (the mapping has JSONata expressions). */
  isAsync: boolean;
  /**
   * The record key (default resource.uuid; numbers become strings). Works for REMOVED without content.
   * @throws AppError MAPPING_KEY_MISSING when the key path holds no string or number.
   */
  keyOf(delivery: unknown): string;
  /** Maps the whole parsed envelope `{uuid,timestamp,resource:{type,uuid,url,content},resourceAction}`. */
  map(delivery: unknown): MapResult | Promise<MapResult>;
  /** The path each top-level `from`/`href` field read its value from; slower than map, for previews. */
  matchedPaths(delivery: unknown): MatchedPaths;
}

/** Finds the mapping for a resource type; the sync engine's only view of the mappings folder. */
export interface MappingRegistry {
  forResourceType(type: string): CompiledMapping | undefined;
  all(): CompiledMapping[];
}

/** A mapping (or mapping test) file that could not be loaded, with the line of the fault when it has one. */
export interface MappingLoadProblem {
  file: string;
  /** 1-based; 0 when the fault has no place in the file (unreadable file, folder missing). */
  line: number;
  message: string;
}
