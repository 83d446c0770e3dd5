import type { CompiledMapping } from './mapping-types';

/**
 * Removal of the paths a mapping says must never be stored (`drop:`). Done copy-on-write: only the objects along
 * a dropped path are copied, the delivery itself is never changed, and a delivery without those paths is returned
 * as the very same object (no cost on the common path).
 */

type Segment = string | '*';

/** Splits a drop path (`resource.content.orderLines[*].creditCard`) into keys, indexes and `*` wildcards. */
export function parseDropPath(path: string): Segment[] {
  return path
    .replace(/\[(\d+|\*)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '');
}

/** Returns `root` without the given paths (already parsed by {@link parseDropPath}). */
export function removePaths(root: unknown, paths: readonly Segment[][]): unknown {
  let out = root;
  for (const segs of paths) out = removeAt(out, segs, 0);
  return out;
}

/**
 * The raw content a sync engine may store, minus the mapping's dropped paths under `resource.content`.
 * @example redactContent(orderMapping, content) // no paymentInstrument, whatever else the content has
 */
export function redactContent(mapping: Pick<CompiledMapping, 'drop'>, content: unknown): unknown {
  return removePaths(content, contentPaths(mapping));
}

/** Parsed once per mapping: the worker redacts every event's content. */
const contentPathsByMapping = new WeakMap<object, Segment[][]>();

/** The mapping's drop paths under `resource.content`, relative to the content. */
function contentPaths(mapping: Pick<CompiledMapping, 'drop'>): Segment[][] {
  let paths = contentPathsByMapping.get(mapping);
  if (!paths) {
    const prefix = ['resource', 'content'];
    paths = mapping.drop
      .map(parseDropPath)
      .filter((segs) => segs.length > 2 && prefix.every((p, i) => segs[i] === p || segs[i] === '*'))
      .map((segs) => segs.slice(2));
    contentPathsByMapping.set(mapping, paths);
  }
  return paths;
}

/**
 * True when a source path reads at or below a dropped path, so the mapping would store what it must not.
 * Used at load time to refuse such a mapping.
 */
export function isUnderDropPath(sourceSegs: readonly string[], dropSegs: readonly Segment[]): boolean {
  if (sourceSegs.length < dropSegs.length) return false;
  return dropSegs.every((d, i) => d === '*' || d === sourceSegs[i]);
}

/** Recurses along the drop path, one level per segment of the mapping file's path: bounded by it, not by the payload. */
function removeAt(node: unknown, segs: readonly Segment[], i: number): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const seg = segs[i] as Segment;
  const record = node as Record<string, unknown>;
  const keys = seg === '*' ? Object.keys(record) : Object.prototype.hasOwnProperty.call(record, seg) ? [seg] : [];
  if (keys.length === 0) return node;
  const last = i === segs.length - 1;
  let copy: Record<string, unknown> | unknown[] | undefined;
  for (const k of keys) {
    if (last) {
      copy ??= shallowCopy(node);
      if (Array.isArray(copy)) copy[Number(k)] = null;
      else delete copy[k];
      continue;
    }
    const child = record[k];
    const next = removeAt(child, segs, i + 1);
    if (next !== child) {
      copy ??= shallowCopy(node);
      (copy as Record<string, unknown>)[k] = next;
    }
  }
  return copy ?? node;
}

function shallowCopy(node: object): Record<string, unknown> | unknown[] {
  return Array.isArray(node) ? [...(node as unknown[])] : { ...(node as Record<string, unknown>) };
}
