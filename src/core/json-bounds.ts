import { AppError } from './app-error';

/**
 * How deep a JSON value the service walks, serializes or prints. Real deliveries nest a few levels; JSON.parse
 * accepts any depth, but every recursive walk after it (canonical JSON, JSON.stringify, structured clone to the
 * mapping thread, the CLI's pretty printer) would overflow the stack somewhere between 2,000 and 16,000 levels,
 * depending on the thread. 1,000 keeps every one of them well inside its stack, on any thread.
 *
 * @remarks Independent of the receiver's intake limit: events stored before that limit existed, or under a raised
 * one, still meet this bound, and fail alone with WORKER_PAYLOAD_TOO_DEEP (see docs/adr/0013-bounded-json-walks.md).
 */
export const MAX_JSON_DEPTH = 1000;

/** Thrown by a bounded walk that met a value nested deeper than MAX_JSON_DEPTH. */
export class JsonTooDeepError extends AppError {
  constructor(what = 'value') {
    super('WORKER_PAYLOAD_TOO_DEEP', `${what} is nested deeper than ${MAX_JSON_DEPTH} levels`, { maxDepth: MAX_JSON_DEPTH });
  }
}

/** True for the RangeError V8 throws when a native recursive walk (JSON.stringify, structured clone) runs out of stack. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/**
 * True when `value` has objects or arrays nested deeper than `max` levels. Iterative, and it stops at the first
 * branch past the bound, so it is safe on any input; it visits every node otherwise, so it is for cold paths
 * (CLI, diffs), not the worker's per-event path.
 */
export function jsonDepthExceeds(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [node, depth] = top;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * JSON.stringify that fails cleanly: a value nested too deep for the stack gives JsonTooDeepError (an AppError
 * with a catalogued code) instead of a RangeError.
 */
export function stringifyBounded(value: unknown, what?: string): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (isStackOverflow(err)) throw new JsonTooDeepError(what);
    throw err;
  }
}

/**
 * Text of a value for a person to read (CLI, diffs): indented JSON, or, past MAX_JSON_DEPTH, a note saying so
 * instead of a crash.
 */
export function showJson(value: unknown, indent?: number): string {
  if (value === undefined) return 'undefined';
  if (jsonDepthExceeds(value)) return `(nested deeper than ${MAX_JSON_DEPTH} levels; not shown)`;
  return JSON.stringify(value, null, indent);
}
