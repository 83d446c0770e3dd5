import { AppError } from '../core/app-error';
import type { ChangeCause, ChangeKind } from '../domain/change';
import type { RecordLinks } from '../domain/record-links';

/** One entry of the change log as consumers see it. `data` is the record's whole normalized data after the change. */
export interface Change {
  /** Position in the feed: strictly increasing in commit order. The cursor of a change is its seq as text. */
  seq: number;
  source: string;
  entity: string;
  key: string;
  kind: ChangeKind;
  data: Record<string, unknown>;
  /** The record's links after the change (`company` → {entity, key}); empty when its mapping declares none. */
  links: RecordLinks;
  eventUuid: string;
  eventTimestamp: number;
  mappingVersion: string;
  cause: ChangeCause;
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
  /** @throws AppError FEED_CURSOR_EXPIRED when retention purged changes after `cursor`: a read never silently skips. */
  readAfter(cursor: string, options: ReadOptions): Promise<ChangePage>;
  /** The seq of the newest change (0 when none): the head consumers' lag is measured against. */
  head(): Promise<number>;
  /** The cursor just before the first change created at or after `time`: for a rewind to a point in time. */
  cursorAt(time: Date): Promise<string>;
  /** The highest seq retention may have deleted (0 before any purge); reads after a lower cursor are refused. */
  purgedThrough(): Promise<number>;
}

/** FEED_CURSOR_EXPIRED for a read or rewind after `cursor` when retention purged changes up to `horizon`. */
export function cursorExpired(cursor: number, horizon: number): AppError {
  return new AppError(
    'FEED_CURSOR_EXPIRED',
    `changes after cursor ${cursor} up to ${horizon} were purged by retention; rewind to cursor ${horizon} (or to a time) to continue with the oldest change kept`,
    { cursor: String(cursor), purgedThrough: String(horizon) },
  );
}

/** Parses a cursor from a query string or a config: a non-negative integer in text. */
export function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return 0;
  return /^\d{1,18}$/.test(cursor) ? Number(cursor) : undefined;
}
