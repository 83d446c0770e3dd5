import { JsonTooDeepError, MAX_JSON_DEPTH } from '../core/json-bounds';

/**
 * JSON with object keys sorted at every depth, so two equal values always give the same text.
 * Records store their data this way; "did the data change?" is then a string comparison.
 *
 * @remarks The worker runs this once per event, so a value whose objects already have their keys in order (the
 * mappings emit their fields sorted) is serialized as it is, without building a sorted copy. The text is the same
 * either way.
 *
 * Bounded: a value nested deeper than MAX_JSON_DEPTH throws JsonTooDeepError (WORKER_PAYLOAD_TOO_DEEP) rather than
 * overflowing the stack here or in JSON.stringify. The depth counter is one integer per call: the common shallow
 * value pays nothing else.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

function sortKeys(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) throw new JsonTooDeepError('the mapped data');
  const below = depth + 1;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const sorted = sortKeys(item, below);
      if (sorted !== item) (out ??= value.slice())[i] = sorted;
    }
    return out ?? value;
  }
  if (value instanceof Date) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (isPlainObject(record) && isSorted(keys)) {
    let out: Record<string, unknown> | undefined;
    for (const key of keys) {
      const v = record[key];
      const sorted = sortKeys(v, below);
      if (sorted !== v) (out ??= { ...record })[key] = sorted;
    }
    return out ?? record;
  }
  // No prototype: a `__proto__` key (JSON.parse makes it an own property of untrusted input) stays data here, as it
  // does when the object is serialized as it is, instead of setting the copy's prototype and vanishing.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of keys.sort()) {
    const v = record[key];
    if (v !== undefined) out[key] = sortKeys(v, below);
  }
  return out;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}
