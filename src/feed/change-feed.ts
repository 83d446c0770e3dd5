/** One entry of the change log as consumers see it. `data` is the record's whole normalized data after the change. */
export interface Change {
  /** Position in the feed: strictly increasing in commit order. The cursor of a change is its seq as text. */
  seq: number;
  source: string;
  entity: string;
  key: string;
  kind: 'created' | 'updated' | 'deleted' | 'restored';
  data: Record<string, unknown>;
  eventUuid: string;
  eventTimestamp: number;
  mappingVersion: string;
  cause: 'event' | 'remap';
  createdAt: Date;
}

export interface ChangePage {
  changes: Change[];
  /** Where to continue: the seq of the last change returned, or the `after` given when there was none. */
  nextCursor: string;
}

export interface ReadOptions {
  limit: number;
  /** Only these entities (all when empty). */
  entities?: string[];
}

/**
 * Reads the change log in commit order.
 * @remarks Gap-free by construction: changes get their seq under a lock held until commit (PostgreSQL) or from
 * the single writer (SQLite), so a change with a lower seq can never become visible after a higher one.
 * See docs/adr/0007-gap-free-change-feed.md.
 */
export interface ChangeFeed {
  readAfter(cursor: string, options: ReadOptions): Promise<ChangePage>;
  /** The seq of the newest change (0 when none): the head consumers' lag is measured against. */
  head(): Promise<number>;
  /** The cursor just before the first change created at or after `time`: for a rewind to a point in time. */
  cursorAt(time: Date): Promise<string>;
}

/** Parses a cursor from a query string or a config: a non-negative integer in text. */
export function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return 0;
  return /^\d{1,18}$/.test(cursor) ? Number(cursor) : undefined;
}
