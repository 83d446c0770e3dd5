/** What a worker tick or drain did with the events it claimed: how each ended, and how many were given back. */
export interface TickResult {
  claimed: number;
  done: number;
  stale: number;
  failed: number;
  unmapped: number;
  retried: number;
}

/** A result with nothing done yet for `claimed` events. */
export function emptyResult(claimed: number): TickResult {
  return { claimed, done: 0, stale: 0, failed: 0, unmapped: 0, retried: 0 };
}

/** Adds `r` into `into` (a drain's totals over its batches). */
export function addResult(into: TickResult, r: TickResult): void {
  into.claimed += r.claimed;
  into.done += r.done;
  into.stale += r.stale;
  into.failed += r.failed;
  into.unmapped += r.unmapped;
  into.retried += r.retried;
}
