import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../core/json-bounds';

/**
 * A field-level diff of two JSON values, small enough to read in a terminal: one entry per differing path with
 * the expected and the actual value. Used to show why a mapping test case failed.
 */

/** One differing path; `undefined` means "absent" on that side. */
export interface DiffEntry {
  path: string;
  expected: unknown;
  actual: unknown;
}

/**
 * Compares `expected` with `actual`. In `subset` mode, keys of `actual` objects that `expected` does not name are
 * ignored (lists still compare item by item and by length). `ignore` lists paths left out entirely.
 *
 * @remarks Depth-bounded: the values may come from stored deliveries. Past MAX_JSON_DEPTH levels the walk stops
 * and reports that path once, as not compared, instead of overflowing the stack (and building ever longer paths).
 *
 * @example diffJson({ a: 1 }, { a: 2, b: 3 }, { subset: true }) // [{ path: 'a', expected: 1, actual: 2 }]
 */
export function diffJson(expected: unknown, actual: unknown, options: { subset?: boolean; ignore?: readonly string[] } = {}): DiffEntry[] {
  const out: DiffEntry[] = [];
  walk(expected, actual, '', 0, { subset: options.subset ?? false, ignore: new Set(options.ignore ?? []) }, out);
  return out;
}

/** Renders entries as `- expected` / `+ actual` lines under each path. */
export function formatDiff(entries: readonly DiffEntry[], indent = '    '): string {
  return entries.map((e) => `${indent}${e.path || '(root)'}\n${indent}  - ${show(e.expected)}\n${indent}  + ${show(e.actual)}`).join('\n');
}

/** Marks both sides of a path the walk did not go into. */
export const NOT_COMPARED = `(nested deeper than ${MAX_JSON_DEPTH} levels; not compared)`;

/** Stands for a differing value too deep to print. */
export const NOT_SHOWN = `(nested deeper than ${MAX_JSON_DEPTH} levels; not shown)`;

interface WalkOptions {
  subset: boolean;
  ignore: Set<string>;
}

function walk(exp: unknown, act: unknown, path: string, depth: number, o: WalkOptions, out: DiffEntry[]): void {
  if (o.ignore.has(path)) return;
  const bothLists = Array.isArray(exp) && Array.isArray(act);
  const bothObjects = isObject(exp) && isObject(act);
  if ((bothLists || bothObjects) && depth >= MAX_JSON_DEPTH) {
    out.push({ path, expected: NOT_COMPARED, actual: NOT_COMPARED });
    return;
  }
  if (Array.isArray(exp) && Array.isArray(act)) {
    const n = Math.max(exp.length, act.length);
    for (let i = 0; i < n; i++) walk(exp[i], act[i], `${path}[${i}]`, depth + 1, o, out);
    return;
  }
  if (isObject(exp) && isObject(act)) {
    const keys = new Set(Object.keys(exp));
    if (!o.subset) for (const k of Object.keys(act)) keys.add(k);
    for (const k of keys) walk(exp[k], act[k], path ? `${path}.${k}` : k, depth + 1, o, out);
    return;
  }
  if (!sameScalar(exp, act)) out.push({ path, expected: shown(exp), actual: shown(act) });
}

/** An entry's value, unless it is too deep to print or serialize later (`mappings diff --json`). */
function shown(v: unknown): unknown {
  return typeof v === 'object' && v !== null && jsonDepthExceeds(v) ? NOT_SHOWN : v;
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (isObject(a) || isObject(b) || Array.isArray(a) || Array.isArray(b)) return false;
  return a === b;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One side of an entry; the markers print as they are, not as quoted JSON strings. */
function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (v === NOT_COMPARED || v === NOT_SHOWN) return v;
  return JSON.stringify(v);
}
