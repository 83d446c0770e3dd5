/**
 * Links between records: a subscription's company, an order's subscription. Shared by mapping (which reads them
 * from a delivery), records (which store them with each version and list the dangling ones) and the feed (which
 * hands them to consumers). See docs/adr/0025-payload-true-mappings-and-links.md.
 */

/** One link: the target record's entity and key. */
export interface RecordLink {
  entity: string;
  key: string;
  /**
   * Set when the key was read from an id that may be the target's external id instead of its uuid: the target
   * field that may hold it (e.g. externalId). Absent when the key came from an href, which always carries the uuid.
   */
  match?: string;
}

/** A record's links by name (`company`, `user`); a link whose source held no value is absent. */
export type RecordLinks = Record<string, RecordLink>;

/**
 * Where the links live inside the stored record document. No mapped field can take this name (field names are
 * letters, digits and `_`), so the links travel with the data through every version, change and remap.
 */
export const LINKS_MEMBER = '$links';

/** The stored document of a record: its data, plus its links when it has any. */
export function withLinks(data: Record<string, unknown>, links: RecordLinks): Record<string, unknown> {
  // First: `$` sorts before any field name, so a document with sorted fields stays sorted (canonicalJson's fast path).
  return Object.keys(links).length === 0 ? data : { [LINKS_MEMBER]: links, ...data };
}

/** Splits a stored document into the data and the links consumers see side by side. */
export function splitLinks(document: Record<string, unknown>): { data: Record<string, unknown>; links: RecordLinks } {
  if (!(LINKS_MEMBER in document)) return { data: document, links: {} };
  const { [LINKS_MEMBER]: links, ...data } = document;
  return { data, links: (links ?? {}) as RecordLinks };
}
