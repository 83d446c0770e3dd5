import { AppError } from '../core/app-error';
import type { Oauth2TokenSource } from './oauth2-token-source';
import { describeTokenError } from '../http-client/oauth2-token-client';

/** AppDirect's documented retry delays after a failed delivery, in seconds. */
export const APPDIRECT_RETRY_SCHEDULE = [300, 600, 1200, 2400, 3600, 7200] as const;

/** How each delivery is authenticated, as the webhook's auth mode in AppDirect would. */
export type SimulatedAuth = { mode: 'none' } | { mode: 'token'; token: string } | { mode: 'oauth2'; tokens: Oauth2TokenSource };

export interface SimulationOptions {
  /** The full webhook URL, e.g. https://sync.example.com/webhooks/shop. */
  webhookUrl: string;
  auth: SimulatedAuth;
  deliveries: { file: string; body: Buffer }[];
  /** Delays between attempts, in seconds; attempts = schedule length + 1. */
  retrySchedule?: readonly number[];
  /** Multiplies every delay: 0.001 turns AppDirect's hours into seconds. */
  timeScale?: number;
  /** AppDirect gives up on an attempt after 30 s. */
  timeoutMs?: number;
  /** Receives one line per attempt. Never given a secret. */
  report?: (line: string) => void;
}

export interface AttemptOutcome {
  attempt: number;
  /** HTTP status, or undefined for a network error, timeout or failed token request. */
  status: number | undefined;
  /** The `status` field of the answer, its error code, or what went wrong. */
  result: string;
}

export interface DeliveryOutcome {
  file: string;
  accepted: boolean;
  attempts: AttemptOutcome[];
}

/**
 * Sends delivery files the way AppDirect does: POST JSON, the auth mode's header, retry any non-2xx answer,
 * network error or timeout on the retry schedule. Returns every delivery's attempts; `accepted` is true once a
 * 2xx came back.
 *
 * @remarks In the oauth2 modes the token is cached across deliveries and fetched again when it expires or
 * after a 401, like a client that honours `expires_in`. A failed token request counts as a failed attempt,
 * as AppDirect documents for a failed OAuth2 handshake.
 */
export async function simulateDeliveries(options: SimulationOptions): Promise<DeliveryOutcome[]> {
  return Promise.all(options.deliveries.map((d) => deliverWithRetries(options, d.file, d.body)));
}

async function deliverWithRetries(options: SimulationOptions, file: string, body: Buffer): Promise<DeliveryOutcome> {
  const schedule = options.retrySchedule ?? APPDIRECT_RETRY_SCHEDULE;
  const scale = options.timeScale ?? 1;
  const attempts: AttemptOutcome[] = [];
  const max = schedule.length + 1;
  for (let n = 1; n <= max; n++) {
    const outcome = await attempt(options, body, n);
    attempts.push(outcome);
    const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    const delay = schedule[n - 1];
    const next = ok ? '' : delay === undefined ? ' giving up' : ` retry in ${describeWait(delay, scale)}`;
    options.report?.(`${file} attempt=${n}/${max} status=${outcome.status ?? '-'} result=${outcome.result}${next}`);
    if (ok) return { file, accepted: true, attempts };
    if (delay !== undefined) await sleep(delay * 1000 * scale);
  }
  return { file, accepted: false, attempts };
}

async function attempt(options: SimulationOptions, body: Buffer, n: number): Promise<AttemptOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'appdirect-sync-simulate' };
  const auth = options.auth;
  if (auth.mode === 'token') headers['x-appdirect-webhook-token'] = auth.token;
  if (auth.mode === 'oauth2') {
    try {
      headers.authorization = `Bearer ${await auth.tokens.get()}`;
    } catch (err) {
      return { attempt: n, status: undefined, result: `token-request-failed(${describeTokenError(err)})` };
    }
  }
  try {
    const res = await fetch(options.webhookUrl, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    if (res.status === 401 && auth.mode === 'oauth2') auth.tokens.invalidate();
    return { attempt: n, status: res.status, result: summarize(await res.text()) };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    const reason = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message ?? 'network error');
    return { attempt: n, status: undefined, result: reason };
  }
}

/** The answer's `status` (accepted, duplicate) or `error.code`, else its first characters. */
function summarize(text: string): string {
  try {
    const json = JSON.parse(text) as { status?: unknown; error?: { code?: unknown } | unknown };
    if (typeof json.status === 'string') return json.status;
    const error = json.error as { code?: unknown } | string | undefined;
    if (typeof error === 'string') return error;
    if (typeof error?.code === 'string') return error.code;
  } catch {
    // not JSON: fall through
  }
  return JSON.stringify(text.slice(0, 60));
}

/** The wait that really follows, and AppDirect's own when it is scaled: `retry in 0.3s (AppDirect: 300s)`. */
function describeWait(seconds: number, scale: number): string {
  if (scale === 1) return `${seconds}s`;
  return `${Number((seconds * scale).toPrecision(3))}s (AppDirect: ${seconds}s)`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The webhook URL for a source: a URL already ending in /webhooks/<name> is kept (a `source` given too must be that
 * name), a base URL gets /webhooks/<source> appended (then `source` is needed).
 */
export function webhookUrlFor(url: string, source?: string): string {
  const parsed = new URL(url);
  const named = /\/webhooks\/([^/]+)\/?$/.exec(parsed.pathname)?.[1];
  if (named !== undefined) {
    if (source !== undefined && decodeURIComponent(named) !== source) {
      throw new AppError(
        'CLI_INVALID_OPTION',
        `--source ${source} differs from the source in --url (${decodeURIComponent(named)}); give one of them`,
      );
    }
    return parsed.toString();
  }
  if (source === undefined)
    throw new AppError('CLI_INVALID_OPTION', '--source is required when --url is a base URL (or give the full /webhooks/<source> URL)');
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(source)}`;
  return parsed.toString();
}
