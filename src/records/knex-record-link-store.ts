import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';
import { dialectOf } from '../db/create-knex';
import type { DanglingLink, DanglingLinkCount, DanglingQuery, RecordLinkStore } from './record-link-store';

/**
 * The links of every live record that has any, one row per link, for one engine. Records without links are skipped
 * by a prefix test, not parsed: canonical JSON puts `$links` first (src/domain/record-links.ts).
 */
const LINK_ROWS = {
  sqlite: `select r.source, r.entity, r.record_key, j.key as link,
      json_extract(j.value, '$.entity') as target_entity, json_extract(j.value, '$.key') as target_key,
      json_extract(j.value, '$.match') as match_field
    from records r, json_each(r.data, '$."$links"') j
    where r.data like '{"$links"%' and r.deleted = 0`,
  pg: `select r.source, r.entity, r.record_key, j.key as link,
      j.value ->> 'entity' as target_entity, j.value ->> 'key' as target_key, j.value ->> 'match' as match_field
    from records r cross join lateral jsonb_each(r.data::jsonb -> '$links') j
    where r.data like '{"$links"%' and r.deleted = false`,
};

/** The target field a `match` names, read from the target record's data. */
const MATCH_VALUE = {
  sqlite: `json_extract(t.data, '$."' || l.match_field || '"')`,
  pg: `(t.data::jsonb ->> l.match_field)`,
};

function danglingSql(dialect: 'sqlite' | 'pg', byEntity: boolean, targets: number | undefined): string {
  const targetFilter =
    targets === undefined ? '' : targets === 0 ? 'false and ' : `l.target_entity in (${'?, '.repeat(targets - 1)}?) and `;
  return `with l as (${LINK_ROWS[dialect]}${byEntity ? ' and r.entity = ?' : ''})
    select l.* from l
    where ${targetFilter}not exists (
        select 1 from records t where t.entity = l.target_entity and t.source = l.source and t.record_key = l.target_key)
      and (l.match_field is null or not exists (
        select 1 from records t where t.entity = l.target_entity and t.source = l.source and ${MATCH_VALUE[dialect]} = l.target_key))`;
}

interface DanglingRow {
  source: string;
  entity: string;
  record_key: string;
  link: string;
  target_entity: string;
  target_key: string;
  match_field: string | null;
}

/** RecordLinkStore on knex: the same query on both engines but for how JSON is read (see LINK_ROWS). */
export class KnexRecordLinkStore implements RecordLinkStore {
  constructor(private readonly db: Knex) {}

  async dangling(query: DanglingQuery): Promise<{ links: DanglingLink[]; counts: DanglingLinkCount[] }> {
    const sql = danglingSql(dialectOf(this.db), query.entity !== undefined, query.targetEntities?.length);
    const bindings = [...(query.entity !== undefined ? [query.entity] : []), ...(query.targetEntities ?? [])];
    const rows = rowsOf<DanglingRow>(
      await this.db.raw(`${sql} order by l.entity, l.link, l.source, l.record_key limit ?`, [...bindings, query.limit]),
    );
    const counted = rowsOf<{ entity: string; link: string; target_entity: string; n: number | string }>(
      await this.db.raw(
        `select d.entity, d.link, d.target_entity, count(*) as n from (${sql}) d group by d.entity, d.link, d.target_entity order by d.entity, d.link`,
        bindings,
      ),
    );
    return {
      links: rows.map((r) => ({
        source: r.source,
        entity: r.entity,
        key: r.record_key,
        link: r.link,
        target: { entity: r.target_entity, key: r.target_key, ...(r.match_field ? { match: r.match_field } : {}) },
      })),
      counts: counted.map((c) => ({ entity: c.entity, link: c.link, targetEntity: c.target_entity, count: asNumber(c.n) })),
    };
  }
}

/** knex.raw answers an array on SQLite and a result with `rows` on PostgreSQL. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
