import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/rows';
import { parseCursor, type Change, type ChangeFeed, type ChangePage, type ReadOptions } from './change-feed';

interface DbChangeRow {
  seq: number | string;
  source: string;
  entity: string;
  record_key: string;
  kind: Change['kind'];
  data: string;
  event_uuid: string;
  event_timestamp: number | string;
  mapping_version: string;
  cause: Change['cause'];
  created_at: Date | string;
}

/** ChangeFeed on knex: keyset reads on the `changes` primary key. */
export class KnexChangeFeed implements ChangeFeed {
  constructor(private readonly db: Knex) {}

  async readAfter(cursor: string, options: ReadOptions): Promise<ChangePage> {
    const after = parseCursor(cursor) ?? 0;
    let q = this.db<DbChangeRow>('changes').where('seq', '>', after).orderBy('seq').limit(options.limit);
    if (options.entities && options.entities.length > 0) q = q.whereIn('entity', options.entities);
    const rows = (await q) as DbChangeRow[];
    const changes = rows.map(toChange);
    const last = changes[changes.length - 1];
    return { changes, nextCursor: String(last ? last.seq : after) };
  }

  async head(): Promise<number> {
    const row = (await this.db('changes').max({ seq: 'seq' }).first()) as { seq: number | string | null } | undefined;
    return row?.seq == null ? 0 : asNumber(row.seq);
  }

  async cursorAt(time: Date): Promise<string> {
    const row = (await this.db('changes').where('created_at', '<', time.toISOString()).max({ seq: 'seq' }).first()) as { seq: number | string | null } | undefined;
    return String(row?.seq == null ? 0 : asNumber(row.seq));
  }
}

function toChange(r: DbChangeRow): Change {
  return {
    seq: asNumber(r.seq),
    source: r.source,
    entity: r.entity,
    key: r.record_key,
    kind: r.kind,
    data: JSON.parse(r.data) as Record<string, unknown>,
    eventUuid: r.event_uuid,
    eventTimestamp: asNumber(r.event_timestamp),
    mappingVersion: r.mapping_version,
    cause: r.cause,
    createdAt: asDate(r.created_at),
  };
}
