import { createHash } from 'node:crypto';
import { LINKS_MEMBER } from '../domain/record-links';
import type { CompiledMapping, FieldDescriptor, FieldType, LinkDescriptor } from '../mapping';

/** The engines a view is generated for. */
export type ViewDialect = 'sqlite' | 'pg';

/** Every generated view's name starts with this; the prefix is reserved (stale views with it are dropped). */
export const VIEW_PREFIX = 'entity_';

/** The record columns every view has; a mapped field with one of these names gets a suffix. */
const RECORD_COLUMNS = ['source', 'record_key', 'deleted', 'mapping_version', 'updated_at'] as const;

/** PostgreSQL truncates identifiers beyond 63 bytes; names are kept within it on both engines. */
const MAX_IDENTIFIER = 63;

/** One view column: a mapped field, or a link's target key (`type: 'link'`, `field` is the link's name). */
export interface ViewColumn {
  column: string;
  field: string;
  type: FieldType | 'link';
}

/** A generated view: its name, its field columns and the statement that creates it. */
export interface EntityViewDefinition {
  entity: string;
  name: string;
  columns: ViewColumn[];
  /** `CREATE VIEW ...` for one dialect; run after dropping the previous view of the same name. */
  createSql: string;
  /** A digest of `createSql`: a view whose digest has not changed is left alone on refresh. */
  fingerprint: string;
}

/** `entity_<entity>`, reduced to [a-z0-9_]. */
export function viewName(entity: string): string {
  return `${VIEW_PREFIX}${snake(entity)}`.slice(0, MAX_IDENTIFIER);
}

/**
 * Column names for the fields, in field order: camelCase becomes snake_case (`phoneNumber` → `phone_number`), so
 * nobody has to quote them. A name already taken (by a record column or an earlier field) gets `_2`, `_3`, ...
 */
export function viewColumns(fields: FieldDescriptor[], links: LinkDescriptor[] = []): ViewColumn[] {
  const taken = new Set<string>(RECORD_COLUMNS);
  const claim = (wanted: string): string => {
    const base = wanted.slice(0, MAX_IDENTIFIER - 4);
    let column = base;
    for (let n = 2; taken.has(column); n++) column = `${base}_${n}`;
    taken.add(column);
    return column;
  };
  const fieldColumns = fields.map((f): ViewColumn => ({ column: claim(snake(f.name) || 'field'), field: f.name, type: f.type }));
  // A link's column is its target key: `company` → company_key, joinable to entity_company.record_key.
  const linkColumns = links.map((l): ViewColumn => ({ column: claim(`${snake(l.name)}_key`), field: l.name, type: 'link' }));
  return [...fieldColumns, ...linkColumns];
}

/**
 * One view per entity of the mappings, for one dialect. Several mapping files of one entity share its view; a
 * field they both map keeps the first file's type.
 *
 * @remarks A stored value whose JSON type does not fit the field's current type (data written by an older mapping
 * that typed the field differently) reads as NULL on both engines, rather than failing the whole query on a cast.
 */
export function entityViews(
  mappings: Array<Pick<CompiledMapping, 'entity' | 'fields'> & { links?: LinkDescriptor[] }>,
  dialect: ViewDialect,
): EntityViewDefinition[] {
  const byEntity = new Map<string, { fields: FieldDescriptor[]; links: LinkDescriptor[] }>();
  for (const m of mappings) {
    const entry = byEntity.get(m.entity) ?? { fields: [], links: [] };
    for (const f of m.fields) if (!entry.fields.some((g) => g.name === f.name)) entry.fields.push(f);
    for (const l of m.links ?? []) if (!entry.links.some((g) => g.name === l.name)) entry.links.push(l);
    byEntity.set(m.entity, entry);
  }
  return [...byEntity.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([entity, e]) => entityView(entity, e.fields, dialect, e.links));
}

/** The view of one entity's fields (and its links' target keys), for one dialect. */
export function entityView(
  entity: string,
  fields: FieldDescriptor[],
  dialect: ViewDialect,
  links: LinkDescriptor[] = [],
): EntityViewDefinition {
  const name = viewName(entity);
  const columns = viewColumns(fields, links);
  const select = [
    'r.source',
    'r.record_key',
    'r.deleted',
    ...columns.map((c) => `${VIEW_SQL[dialect].column(c)} as ${ident(c.column)}`),
    'r.mapping_version',
    'r.updated_at',
  ];
  const createSql = `CREATE VIEW ${ident(name)} AS\nselect\n  ${select.join(',\n  ')}\nfrom ${VIEW_SQL[dialect].from}\nwhere r.entity = ${literal(entity)}`;
  return { entity, name, columns, createSql, fingerprint: fingerprintOf(createSql) };
}

/** The digest kept with a view to recognise it on the next refresh. */
export function fingerprintOf(createSql: string): string {
  return createHash('sha256').update(createSql).digest('hex').slice(0, 32);
}

// No `?` anywhere in the generated SQL: knex would take it for a binding placeholder.
const DECIMAL_RE = `'^-{0,1}[0-9]+([.][0-9]+){0,1}$'`;
const DATE_RE = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`;
const DATETIME_RE = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}T'`;
const DIGITS4 = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]';

/** SQLite: json_extract gives integers and booleans (1/0) natively; decimals, dates and times stay text. */
function sqliteExpression(c: ViewColumn): string {
  const path = literal(c.type === 'link' ? `$."${LINKS_MEMBER}"."${c.field}".key` : `$."${c.field}"`);
  const t = `json_type(r.data, ${path})`;
  const v = `json_extract(r.data, ${path})`;
  switch (c.type) {
    case 'string':
    case 'enum':
    case 'link':
      return `case when ${t} = 'text' then ${v} end`;
    case 'integer':
      return `case when ${t} = 'integer' then ${v} end`;
    case 'decimal':
      return `case when ${t} = 'text' and ${v} glob '*[0-9]' and not ${v} glob '*[^0-9.-]*' then ${v} end`;
    case 'boolean':
      return `case when ${t} in ('true', 'false') then ${v} end`;
    case 'date':
      return `case when ${t} = 'text' and ${v} glob '${DIGITS4}' then ${v} end`;
    case 'datetime':
      return `case when ${t} = 'text' and ${v} glob '${DIGITS4}T*' then ${v} end`;
    case 'json':
    case 'collection':
      // `->` always gives JSON text (a string stays quoted), unlike json_extract.
      return `case when ${t} <> 'null' then r.data -> ${path} end`;
  }
}

/** PostgreSQL: typed columns; decimals are numeric (exact), times timestamptz, json and collections jsonb. */
function pgExpression(c: ViewColumn): string {
  const key = literal(c.field);
  if (c.type === 'link') {
    const link = `(j.d -> ${literal(LINKS_MEMBER)} -> ${key})`;
    return `case when jsonb_typeof(${link} -> 'key') = 'string' then ${link} ->> 'key' end`;
  }
  const t = `jsonb_typeof(j.d -> ${key})`;
  const v = `(j.d ->> ${key})`;
  switch (c.type) {
    case 'string':
    case 'enum':
      return `case when ${t} = 'string' then ${v} end`;
    case 'integer':
      return `case when ${t} = 'number' and ${v} ~ '^-{0,1}[0-9]{1,18}$' then ${v}::bigint end`;
    case 'decimal':
      return `case when ${t} = 'string' and ${v} ~ ${DECIMAL_RE} then ${v}::numeric end`;
    case 'boolean':
      return `case when ${t} = 'boolean' then ${v}::boolean end`;
    case 'date':
      return `case when ${t} = 'string' and ${v} ~ ${DATE_RE} then ${v}::date end`;
    case 'datetime':
      return `case when ${t} = 'string' and ${v} ~ ${DATETIME_RE} then ${v}::timestamptz end`;
    case 'json':
    case 'collection':
      return `case when ${t} <> 'null' then j.d -> ${key} end`;
  }
}

/**
 * What differs between the engines' views: how a field's column is read from the record's JSON, and the FROM clause.
 * A table, not a branch, so that each engine's SQL reads in one place.
 */
const VIEW_SQL: Record<ViewDialect, { column: (c: ViewColumn) => string; from: string }> = {
  sqlite: { column: sqliteExpression, from: 'records r' },
  // The text is parsed to jsonb once per row (the OFFSET 0 keeps the planner from copying the cast into every
  // column), while filters on source and record_key still reach the records table and its key.
  pg: { column: pgExpression, from: 'records r cross join lateral (select r.data::jsonb as d offset 0) j' },
};

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

/** A double-quoted identifier, safe for any name (both engines). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
