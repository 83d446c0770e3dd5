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
 * @example diffJson({ a: 1 }, { a: 2, b: 3 }, { subset: true }) // [{ path: 'a', expected: 1, actual: 2 }]
 */
export function diffJson(
  expected: unknown,
  actual: unknown,
  options: { subset?: boolean; ignore?: readonly string[] } = {},
): DiffEntry[] {
  const out: DiffEntry[] = [];
  walk(expected, actual, '', options.subset ?? false, new Set(options.ignore ?? []), out);
  return out;
}

/** Renders entries as `- expected` / `+ actual` lines under each path. */
export function formatDiff(entries: readonly DiffEntry[], indent = '    '): string {
  return entries
    .map((e) => `${indent}${e.path || '(root)'}\n${indent}  - ${show(e.expected)}\n${indent}  + ${show(e.actual)}`)
    .join('\n');
}

function walk(exp: unknown, act: unknown, path: string, subset: boolean, ignore: Set<string>, out: DiffEntry[]): void {
  if (ignore.has(path)) return;
  if (Array.isArray(exp) && Array.isArray(act)) {
    const n = Math.max(exp.length, act.length);
    for (let i = 0; i < n; i++) walk(exp[i], act[i], `${path}[${i}]`, subset, ignore, out);
    return;
  }
  if (isObject(exp) && isObject(act)) {
    const keys = new Set(Object.keys(exp));
    if (!subset) for (const k of Object.keys(act)) keys.add(k);
    for (const k of keys) walk(exp[k], act[k], path ? `${path}.${k}` : k, subset, ignore, out);
    return;
  }
  if (!sameScalar(exp, act)) out.push({ path, expected: exp, actual: act });
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (isObject(a) || isObject(b) || Array.isArray(a) || Array.isArray(b)) return false;
  return a === b;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}
