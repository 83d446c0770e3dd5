import jsonata from 'jsonata';
import type { LevelRunner } from './level-runner';
import type { FieldSpec } from './mapping-schema';
import type { FieldDescriptor, FieldType } from './mapping-types';
import { compilePath, FORBIDDEN_SEGMENTS, namesIn, parsePath, type PathReader } from './path-reader';
import { isUnderDropPath, parseDropPath } from './redact-content';
import { toBoolean, toDate, toDatetime, toDecimal, toInteger, toJson, toText, ValueRejected } from './value-normalizers';

/**
 * A field compiled for speed: a direct path reader (or a compiled JSONata expression, or a constant) plus the
 * normalizer of its type, decided once at load so mapping a delivery does no spec lookups.
 */
export interface FieldPlan {
  name: string;
  type: FieldType;
  required: boolean;
  /** The source as written, for error messages: the path (several joined by ` | `), `expr: <text>` or `value`. */
  source: string;
  /** The first of `paths` that holds a value. */
  read?: PathReader;
  /** The paths of `from` or `href`, in order, each with its own reader: to say which one matched. */
  paths?: Array<{ path: string; read: PathReader }>;
  expr?: jsonata.Expression;
  constant?: unknown;
  hasDefault: boolean;
  defaultValue: unknown;
  /** Throws ValueRejected. Not used by collections. */
  normalize: (v: unknown) => unknown;
  items?: FieldPlan[];
  /** The items' level compiled by compileLevel (sync item levels only); set once the plans are in name order. */
  runItems?: LevelRunner;
  /** True when this field or an item field evaluates a JSONata expression. */
  isAsync: boolean;
}

/** A fault in a mapping file found while compiling, with the YAML path of the offending node. */
export interface CompileProblem {
  path: Array<string | number>;
  message: string;
}

const NORMALIZERS: Record<Exclude<FieldType, 'enum' | 'collection'>, (v: unknown) => unknown> = {
  string: toText,
  integer: toInteger,
  decimal: toDecimal,
  boolean: toBoolean,
  date: toDate,
  datetime: toDatetime,
  json: toJson,
};

/**
 * Compiles the `fields` of a mapping (or of a collection's items). Every fault is collected, none thrown.
 * `sourcePrefix` is the envelope path of the items (e.g. `resource.content.orderLines[*]`) for the drop check.
 */
export function compileFields(
  specs: Record<string, FieldSpec>,
  yamlPath: Array<string | number>,
  drop: readonly string[],
  problems: CompileProblem[],
  sourcePrefix = '',
): FieldPlan[] {
  return Object.entries(specs).map(([name, spec]) => compileField(name, spec, [...yamlPath, name], drop, problems, sourcePrefix));
}

/**
 * The same plans with every level in field-name order, as mappings run them: the objects they fill then list their
 * keys sorted, so canonicalJson serializes mapped data as it is instead of building a sorted copy. Issues come out
 * in the same order. describeFields keeps the file's order.
 */
export function inNameOrder(plans: readonly FieldPlan[]): FieldPlan[] {
  return [...plans]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => (p.items ? { ...p, items: inNameOrder(p.items) } : p));
}

/** What the rest of the service may know about the fields. */
export function describeFields(plans: readonly FieldPlan[]): FieldDescriptor[] {
  return plans.map((p) => ({
    name: p.name,
    type: p.type,
    required: p.required,
    ...(p.items ? { fields: describeFields(p.items) } : {}),
  }));
}

function compileField(
  name: string,
  spec: FieldSpec,
  at: Array<string | number>,
  drop: readonly string[],
  problems: CompileProblem[],
  sourcePrefix: string,
): FieldPlan {
  const given = (['from', 'href', 'expr', 'value'] as const).filter((k) => k in spec && (spec as Record<string, unknown>)[k] !== undefined);
  if (given.length !== 1) {
    problems.push({
      path: at,
      message: `field ${name} needs exactly one of from, href, expr or value (has ${given.join(', ') || 'none'})`,
    });
  }
  const plan: FieldPlan = {
    name,
    type: spec.type,
    required: spec.required ?? false,
    source: '',
    hasDefault: spec.default !== undefined,
    defaultValue: undefined,
    normalize:
      spec.type === 'enum'
        ? enumNormalizer(spec.values, spec.unknown ?? 'reject')
        : spec.type === 'collection'
          ? toJson
          : NORMALIZERS[spec.type],
    isAsync: false,
  };
  const pathSource = spec.from !== undefined ? 'from' : spec.href !== undefined ? 'href' : undefined;
  if (pathSource !== undefined) {
    const written = (pathSource === 'from' ? spec.from : spec.href) as string | string[];
    const list = typeof written === 'string' ? [written] : written;
    for (const p of list) checkPath(name, p, [...at, pathSource], sourcePrefix, drop, problems);
    plan.source = list.join(' | ');
    plan.paths = list.map((p) => ({ path: p, read: pathSource === 'href' ? hrefReader(compilePath(p)) : compilePath(p) }));
    plan.read = firstOf(plan.paths.map((p) => p.read));
  } else if (spec.expr !== undefined) {
    plan.source = `expr: ${spec.expr}`;
    plan.isAsync = true;
    try {
      plan.expr = jsonata(spec.expr);
    } catch (err) {
      problems.push({ path: [...at, 'expr'], message: `JSONata syntax error: ${(err as Error).message}` });
    }
  } else if ('value' in spec && spec.value !== undefined) {
    plan.source = 'value';
    plan.constant = spec.value;
  }
  if (spec.type === 'collection') {
    const first = plan.paths?.[0]?.path;
    const itemPrefix = first !== undefined ? `${sourcePrefix ? `${sourcePrefix}.` : ''}${first}[*]` : '';
    plan.items = compileFields(spec.fields, [...at, 'fields'], itemPrefix ? drop : [], problems, itemPrefix);
    plan.isAsync ||= plan.items.some((i) => i.isAsync);
    if (plan.items.length === 0) problems.push({ path: [...at, 'fields'], message: `collection ${name} has no item fields` });
  }
  if (plan.hasDefault) {
    try {
      plan.defaultValue = spec.type === 'collection' ? collectionDefault(spec.default) : plan.normalize(spec.default);
    } catch (err) {
      problems.push({ path: [...at, 'default'], message: `default of ${name} is not a valid ${spec.type}: ${(err as Error).message}` });
    }
  }
  if (plan.source === 'value' && spec.type !== 'collection') {
    try {
      plan.constant = plan.normalize(plan.constant);
    } catch (err) {
      problems.push({ path: [...at, 'value'], message: `value of ${name} is not a valid ${spec.type}: ${(err as Error).message}` });
    }
  }
  return plan;
}

/** Refuses a path that reaches the prototype or reads under a dropped path. */
function checkPath(
  name: string,
  path: string,
  at: Array<string | number>,
  sourcePrefix: string,
  drop: readonly string[],
  problems: CompileProblem[],
): void {
  if (namesIn(path).some((s) => FORBIDDEN_SEGMENTS.has(s)))
    problems.push({ path: at, message: `path ${path} reaches into the object prototype` });
  // A selector or a key read elsewhere may pick any item or key: checked against drops as `*`.
  const segs = parsePath(path).map((s) => (typeof s === 'object' ? '*' : String(s)));
  const full = [...(sourcePrefix ? parseDropPath(sourcePrefix) : []), ...segs];
  const blocked = drop.find((d) => isUnderDropPath(full, parseDropPath(d)));
  if (blocked) problems.push({ path: at, message: `field ${name} reads ${path}, which is under the dropped path ${blocked}` });
}

/** One reader, or the first of several that holds a value: `from: [a, b]` stays a few direct reads. */
export function firstOf(readers: PathReader[]): PathReader {
  if (readers.length === 1) return readers[0] as PathReader;
  return (scope, root) => {
    for (const read of readers) {
      const v = read(scope, root);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  };
}

/** Reads an AppDirect href and keeps its last path segment (`…/companies/<uuid>?isExternalId=false` → `<uuid>`). */
export function hrefReader(read: PathReader): PathReader {
  return (scope, root) => {
    const v = read(scope, root);
    return typeof v === 'string' ? lastSegment(v) : v;
  };
}

function lastSegment(href: string): string | undefined {
  // Index scans rather than regexes: this runs for every href field and link of every delivery.
  let end = href.length;
  const query = href.indexOf('?');
  if (query !== -1) end = query;
  const fragment = href.indexOf('#');
  if (fragment !== -1 && fragment < end) end = fragment;
  while (end > 0 && href.charCodeAt(end - 1) === 47 /* / */) end--;
  const segment = href.slice(href.lastIndexOf('/', end - 1) + 1, end);
  if (segment === '') return undefined;
  if (segment.indexOf('%') === -1) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function collectionDefault(v: unknown): unknown {
  if (Array.isArray(v) && v.length === 0) return [];
  throw new ValueRejected('MAPPING_WRONG_TYPE', 'only an empty list [] can be a collection default');
}

/**
 * Enum values are matched as text (numbers too). A list keeps values as they are; a map translates them, e.g. an
 * AppDirect order status to a CRM stage. Unlisted values are refused unless the mapping passes them through.
 */
function enumNormalizer(values: string[] | Record<string, string>, unknown: 'reject' | 'passthrough'): (v: unknown) => unknown {
  const table = new Map<string, string>(Array.isArray(values) ? values.map((v) => [v, v]) : Object.entries(values));
  const listed = [...table.keys()];
  return (v) => {
    const text = toText(v);
    const mapped = table.get(text);
    if (mapped !== undefined) return mapped;
    if (unknown === 'passthrough') return text;
    const shown = listed.length > 8 ? `${listed.slice(0, 8).join(', ')}, …` : listed.join(', ');
    throw new ValueRejected('MAPPING_UNKNOWN_ENUM_VALUE', `${JSON.stringify(text)} is not one of ${shown}`);
  };
}
