/**
 * Plain source paths (`resource.content.order.id`, `orderLines[0].quantity`) compiled to direct property reads.
 * Most mapped fields are plain paths; reading them without an expression engine is what keeps mapping close to
 * JSON.parse speed (see docs/adr/0004-mapping-language.md).
 *
 * Two list and map look-ups that AppDirect payloads need are part of the path syntax, so they stay direct reads too
 * (docs/adr/0025-payload-true-mappings-and-links.md):
 * - `links[rel=subscription].href`: the first list item whose `rel` is `subscription` (compared as text);
 * - `amount[$resource.content.currency]`: the key is the value at that path of the whole delivery.
 */

const NAME = '[A-Za-z_$][\\w$-]*';
const SEGMENT = `\\.${NAME}|\\[\\d+\\]|\\[${NAME}=[\\w$.-]+\\]|\\[\\$${NAME}(?:\\.${NAME})*\\]`;

/** The path syntax a mapping file may use as `from`: dotted names, `[n]` indexes, `[name=value]` and `[$path]`. */
export const PATH_PATTERN = new RegExp(`^${NAME}(?:${SEGMENT})*$`);

/** Reads one compiled path from a value; `undefined` when any step is missing or not an object. */
export type PathReader = (scope: unknown, root?: unknown) => unknown;

/** Path segments that would reach an object's prototype instead of the delivery's data. */
export const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** One step of a path: a property name, an index, a list item picked by one of its values, or a key read elsewhere. */
export type PathSegment = string | number | { where: string; equals: string } | { keyPath: string };

const TOKEN = new RegExp(`(?:^|\\.)(${NAME})|\\[(\\d+)\\]|\\[(${NAME})=([\\w$.-]+)\\]|\\[\\$([^\\]]+)\\]`, 'gy');

/** Splits a path into its segments. The path must match {@link PATH_PATTERN}. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(path); m !== null && m[0] !== ''; m = TOKEN.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push({ where: m[3], equals: m[4] ?? '' });
    else if (m[5] !== undefined) out.push({ keyPath: m[5] });
  }
  return out;
}

/** Every property name a path reads, including those of selectors and key paths: for the prototype check. */
export function namesIn(path: string): string[] {
  return parsePath(path).flatMap((s) =>
    typeof s === 'string' ? [s] : typeof s === 'number' ? [] : 'where' in s ? [s.where] : namesIn(s.keyPath),
  );
}

/**
 * Compiles a path to a reader. Short plain paths get unrolled readers (no loop, no array), which V8 inlines well.
 * @example compilePath('resource.content.id')({ resource: { content: { id: 7 } } }) === 7
 */
export function compilePath(path: string): PathReader {
  const segments = parsePath(path);
  if (segments.every((s) => typeof s !== 'object')) return plainReader(segments as Array<string | number>);
  const steps = segments.map((s): ((v: unknown, root: unknown) => unknown) => {
    if (typeof s !== 'object') return (v) => step(v, s);
    if ('where' in s) return (v) => pick(v, s.where, s.equals);
    const readKey = compilePath(s.keyPath);
    return (v, root) => {
      const key = readKey(root);
      // The key comes from the delivery: it must not reach the prototype either.
      if (typeof key === 'string' && FORBIDDEN_SEGMENTS.has(key)) return undefined;
      return typeof key === 'string' || typeof key === 'number' ? step(v, key) : undefined;
    };
  });
  return (scope, root = scope) => {
    let v = scope;
    for (const s of steps) v = s(v, root);
    return v;
  };
}

function plainReader(keys: Array<string | number>): PathReader {
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

/** The first item of a list whose `where` value, as text, equals `equals`. */
function pick(v: unknown, where: string, equals: string): unknown {
  if (!Array.isArray(v)) return undefined;
  for (const item of v) {
    const value = step(item, where);
    if ((typeof value === 'string' || typeof value === 'number') && String(value) === equals) return item;
  }
  return undefined;
}
