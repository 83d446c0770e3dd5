import type { RecordLink } from '../domain/record-links';

/** A link whose target record is not in the store: what a backfill or a re-fetch should bring. */
export interface DanglingLink {
  source: string;
  /** The linking record. */
  entity: string;
  key: string;
  /** The link's name in its mapping file (`company`). */
  link: string;
  target: RecordLink;
}

/** How many dangling links one entity has through one link. */
export interface DanglingLinkCount {
  entity: string;
  link: string;
  targetEntity: string;
  count: number;
}

export interface DanglingQuery {
  /** Only links of this (linking) entity. */
  entity?: string;
  /**
   * Only links to these entities: the CLI passes the entities some mapping produces, since a link to an entity
   * nothing maps could never be brought by a backfill. Undefined: every target.
   */
  targetEntities?: string[];
  /** At most this many links are listed; the counts cover them all. */
  limit: number;
}

/**
 * Reads the links stored with the records (see src/domain/record-links.ts).
 *
 * @remarks A link is resolved when a record of the target entity, from the same source, has the link's key as its
 * key, or (for a link read from an id that may be an external id) holds it in the link's `match` field. A deleted
 * target still resolves (the store knows it); links of deleted records are not listed. The listing scans the
 * records that have links: it is an operator's command, not a request path.
 */
export interface RecordLinkStore {
  dangling(query: DanglingQuery): Promise<{ links: DanglingLink[]; counts: DanglingLinkCount[] }>;
}
