import { splitLinks } from '../domain/record-links';
import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import { cursorExpired, parseCursor, type Change, type ChangeFeed, type ChangePage, type ReadOptions } from './change-feed';
import type { DbChangeRow } from './change-rows';
import { readFeedHorizon } from './feed-horizon';

/**
 * ChangeFeed on knex: keyset reads on the `changes` primary key.
 * @remarks The horizon is read after the rows, never before: retention commits the raised horizon before it deletes
 * a row, so a read that missed a purged row is always followed by a horizon check that sees the purge.
 */
export class KnexChangeFeed implements ChangeFeed {
  constructor(private readonly db: Knex) {}

  async readAfter(cursor: string, options: ReadOptions): Promise<ChangePage> {
    const after = parseCursor(cursor) ?? 0;
    let q = this.db<DbChangeRow>('changes').where('seq', '>', after).orderBy('seq').limit(options.limit);
    if (options.entities && options.entities.length > 0) q = q.whereIn('entity', options.entities);
    const rows = (await q) as DbChangeRow[];
    const horizon = await readFeedHorizon(this.db);
    if (after < horizon) throw cursorExpired(after, horizon);
    const changes = rows.map(toChange);
    const last = changes[changes.length - 1];
    return { changes, nextCursor: String(last ? last.seq : after) };
  }

  async head(): Promise<number> {
    const row = (await this.db('changes').max({ seq: 'seq' }).first()) as { seq: number | string | null } | undefined;
    // After a purge of every change, the head stays where it was: seqs never go back, cursors stay valid.
    return Math.max(row?.seq == null ? 0 : asNumber(row.seq), await readFeedHorizon(this.db));
  }

  purgedThrough(): Promise<number> {
    return readFeedHorizon(this.db);
  }

  async cursorAt(time: Date): Promise<string> {
    const row = (await this.db('changes').where('created_at', '<', time.toISOString()).max({ seq: 'seq' }).first()) as
      { seq: number | string | null } | undefined;
    return String(row?.seq == null ? 0 : asNumber(row.seq));
  }
}

function toChange(r: DbChangeRow): Change {
  // The stored document carries the links under $links; consumers get them beside the data.
  const { data, links } = splitLinks(JSON.parse(r.data) as Record<string, unknown>);
  return {
    seq: asNumber(r.seq),
    source: r.source,
    entity: r.entity,
    key: r.record_key,
    kind: r.kind,
    data,
    links,
    eventUuid: r.event_uuid,
    eventTimestamp: asNumber(r.event_timestamp),
    mappingVersion: r.mapping_version,
    cause: r.cause,
    createdAt: asDate(r.created_at),
  };
}
