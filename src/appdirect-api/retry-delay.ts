/** The longest Retry-After honoured (15 minutes). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** What the backoff reads of the API settings. */
export interface BackoffSettings {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * How long to wait before attempt `attempt + 1`: exponential (base · 2^(attempt-1), capped) with jitter between half
 * and all of it, and never less than the server's `Retry-After` (seconds or an HTTP date) when it sent one.
 * @example retryDelayMs(3, '2', { backoffBaseMs: 100, backoffMaxMs: 10_000 }, () => 0) === 2000
 */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, s: BackoffSettings, random: () => number): number {
  const ceiling = Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** (attempt - 1));
  const backoff = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  const asked = retryAfterMs(retryAfter);
  // The server's word wins over a shorter backoff, up to a bound: a hostile or broken header must not park a run for days.
  return asked === undefined ? backoff : Math.max(backoff, Math.min(asked, MAX_RETRY_AFTER_MS));
}

/** A Retry-After header in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
