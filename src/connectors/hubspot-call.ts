import type { RetryConfig } from '../config/connector-schema';
import { AppError } from '../core/app-error';
import { backoffDelay, sleep } from './retry-with-backoff';

/** A call's answer, or the message of a 4xx that refused the request as a whole (retrying would not help). */
export type HubspotAnswer<T> = { value: T; refusedWhole?: undefined } | { value?: undefined; refusedWhole: string };

/** What the client throws for a non-2xx answer (its ApiException): the status, the parsed body, the headers. */
interface ApiFailure {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function isApiFailure(err: unknown): err is ApiFailure {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/**
 * One call to HubSpot with its rate limits honoured. A 429 of the per-second (or ten-second) policy waits as long
 * as HubSpot says (Retry-After, else X-HubSpot-RateLimit-Interval-Milliseconds) and tries again; a 429 of the DAILY
 * policy, or with X-HubSpot-RateLimit-Daily-Remaining 0, stops the run (CONNECTOR_RATE_LIMITED), since waiting
 * for tomorrow inside a run helps nobody. 5xx and network errors back off and retry; 401/403 fail the run
 * (CONNECTOR_AUTH_FAILED); other 4xx come back as `refusedWhole`. The token never appears in a message.
 */
export async function callHubspot<T>(
  policy: RetryConfig,
  signal: AbortSignal,
  what: string,
  call: () => Promise<T>,
): Promise<HubspotAnswer<T>> {
  for (let n = 1; ; n++) {
    let waitMs: number;
    let last: string;
    try {
      return { value: await call() };
    } catch (err) {
      if (!isApiFailure(err)) {
        last = `HubSpot ${what}: ${err instanceof Error ? err.message : String(err)}`;
        waitMs = backoffDelay(policy, n);
      } else if (err.code === 429) {
        const headers = lowerCased(err.headers);
        const policyName = fieldOf(err.body, 'policyName');
        if (policyName === 'DAILY' || headers['x-hubspot-ratelimit-daily-remaining'] === '0') {
          throw new AppError('CONNECTOR_RATE_LIMITED', `HubSpot ${what}: the daily API limit is used up (${messageOf(err)})`);
        }
        last = `HubSpot ${what}: 429 ${policyName ?? ''} ${messageOf(err)}`.trim();
        waitMs = Math.min(policy.maxMs, rateLimitWait(headers) ?? backoffDelay(policy, n));
      } else if (err.code === 401 || err.code === 403) {
        throw new AppError(
          'CONNECTOR_AUTH_FAILED',
          `HubSpot ${what}: ${err.code} ${messageOf(err)} (check the private app's token and scopes)`,
        );
      } else if (err.code >= 400 && err.code < 500 && err.code !== 408) {
        return { refusedWhole: `${err.code} ${messageOf(err)}` };
      } else {
        last = `HubSpot ${what}: ${err.code} ${messageOf(err)}`;
        waitMs = backoffDelay(policy, n);
      }
    }
    if (n >= policy.attempts || signal.aborted) throw new AppError('CONNECTOR_DELIVERY_FAILED', `${last} (after ${n} tries)`);
    await sleep(waitMs, signal);
  }
}

/** The wait a 429 asks for, in ms: Retry-After (seconds), else the policy's interval. */
function rateLimitWait(headers: Record<string, string>): number | undefined {
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && headers['retry-after'] !== undefined) return retryAfter * 1000;
  const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
  return Number.isFinite(interval) && interval > 0 ? interval : undefined;
}

function lowerCased(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function fieldOf(body: unknown, field: string): string | undefined {
  if (typeof body === 'string') {
    try {
      return fieldOf(JSON.parse(body), field);
    } catch {
      return undefined;
    }
  }
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** HubSpot's own message of an error answer (its `category: message`), bounded. */
function messageOf(err: ApiFailure): string {
  const message = fieldOf(err.body, 'message') ?? '';
  const category = fieldOf(err.body, 'category');
  return (category ? `${category}: ${message}` : message).slice(0, 2000);
}
