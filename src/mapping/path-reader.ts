/**
 * Plain source paths (`resource.content.order.id`, `orderLines[0].quantity`) compiled to direct property reads.
 * Most mapped fields are plain paths; reading them without an expression engine is what keeps mapping close to
 * JSON.parse speed (see docs/adr/0004-mapping-language.md).
 */

/** The path syntax a mapping file may use as `from`: dotted names with optional `[n]` indexes. */
export const PATH_PATTERN = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*|\[\d+\])*$/;

/** Reads one compiled path from a value; `undefined` when any step is missing or not an object. */
export type PathReader = (root: unknown) => unknown;

/** Path segments that would reach an object's prototype instead of the delivery's data. */
export const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Splits a path into property names and array indexes. */
export function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of path.split('.')) {
    const bracket = part.indexOf('[');
    if (bracket === -1) {
      out.push(part);
      continue;
    }
    out.push(part.slice(0, bracket));
    for (const m of part.slice(bracket).matchAll(/\[(\d+)\]/g)) out.push(Number(m[1]));
  }
  return out;
}

/**
 * Compiles a path to a reader. Short paths get unrolled readers (no loop, no array), which V8 inlines well.
 * @example compilePath('resource.content.id')({ resource: { content: { id: 7 } } }) === 7
 */
export function compilePath(path: string): PathReader {
  const keys = parsePath(path);
  const [a, b, c, d] = keys as [string | number, string | number, string | number, string | number];
  switch (keys.length) {
    case 1:
      return (r) => step(r, a);
    case 2:
      return (r) => step(step(r, a), b);
    case 3:
      return (r) => step(step(step(r, a), b), c);
    case 4:
      return (r) => step(step(step(step(r, a), b), c), d);
    default:
      return (r) => {
        let v = r;
        for (const k of keys) v = step(v, k);
        return v;
      };
  }
}

function step(v: unknown, key: string | number): unknown {
  if (typeof v !== 'object' || v === null) return undefined;
  const next = (v as Record<string | number, unknown>)[key];
  // Inherited methods (toString, valueOf) are not data; __proto__ and constructor are refused by PATH_PATTERN users.
  return typeof next === 'function' ? undefined : next;
}
