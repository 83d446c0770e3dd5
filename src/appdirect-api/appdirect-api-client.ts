import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import type { AppdirectApiConfig } from '../config/appdirect-api-schema';
import { AppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import { describeTokenError, Oauth2TokenClient } from '../http-client/oauth2-token-client';
import { readBounded } from './read-bounded';
import { retryDelayMs } from './retry-delay';

/** One answered GET: the parsed JSON body, and the marketplace's own clock and timing for the ordering rule (ADR 0027). */
export interface ApiResponse {
  body: unknown;
  headers: Headers;
  /** AppDirect's `Date` header in epoch ms (1 s resolution), when it sent one. */
  serverDate: number | undefined;
  /** How long the request took here, in ms: the snapshot version is moved back by it (ADR 0027). */
  roundTripMs: number;
}

/** One answered GET with its body as the bytes that came (backfill parses them off the main thread). */
export interface RawApiResponse extends Omit<ApiResponse, 'body'> {
  /** The body; empty for 204 No Content. */
  bytes: Buffer;
}

export interface AppdirectApiClientOptions {
  /** Waits between attempts; tests pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * A marketplace's REST API for one source: OAuth2 client_credentials at `{baseUrl}/oauth2/token` (the shared
 * Oauth2TokenClient, token cached and asked for again before it expires or after a 401), one rate limiter for every
 * call, 429/5xx/network errors retried with exponential backoff and jitter honouring `Retry-After`, and response
 * bodies read up to `maxResponseBytes`.
 * @remarks The client secret and the bearer token never reach a log line or an error message: errors carry the
 * status, the path and AppDirect's short error code only.
 * @example const api = new AppdirectApiClient(config.sources.shop.appdirectApi, logger);
 * const page = await api.get('/api/account/v2/companies', { page: '0', size: '100' });
 */
export class AppdirectApiClient {
  readonly base: URL;
  private readonly tokens: Oauth2TokenClient;
  private readonly limiter: RateLimiterQueue | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Requests sent, retries included: for the summary and tests. */
  requests = 0;

  constructor(
    private readonly config: AppdirectApiConfig,
    private readonly log: Logger,
    options: AppdirectApiClientOptions = {},
  ) {
    this.base = new URL(config.baseUrl);
    this.tokens = new Oauth2TokenClient({
      grant: 'client_credentials',
      tokenUrl: new URL('/oauth2/token', this.base).toString(),
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: config.scope,
      clientAuth: 'header',
      refreshMarginSeconds: 60,
      timeoutMs: config.timeoutMs,
    });
    this.limiter = createLimiter(config.requestsPerSecond);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Token requests made so far (a renewal shows as a second one). */
  get tokensFetched(): number {
    return this.tokens.fetched;
  }

  /**
   * GETs a path of the marketplace (`/api/...`) or a full URL on it, with the query, as JSON. `maxAttempts` 1: no
   * retry here (the worker's re-fetch retries on its own schedule instead of holding a batch).
   * @throws AppError APPDIRECT_API_UNAVAILABLE after the last attempt, APPDIRECT_API_REFUSED on another 4xx,
   * APPDIRECT_API_AUTH_FAILED, APPDIRECT_API_RESPONSE_TOO_LARGE, APPDIRECT_API_BAD_RESPONSE.
   */
  async get(pathOrUrl: string, query: Record<string, string> = {}, maxAttempts = this.config.maxAttempts): Promise<ApiResponse> {
    const { bytes, ...rest } = await this.getBytes(pathOrUrl, query, maxAttempts);
    return { ...rest, body: parseJsonBody(bytes, new URL(pathOrUrl, this.base).pathname) };
  }

  /**
   * As get(), with the body left as the bytes that came: a backfill parses its pages on a thread of their own
   * (src/backfill/snapshot-preparer.ts). Parse them with parseJsonBody.
   * @throws AppError as get(), but never APPDIRECT_API_BAD_RESPONSE.
   */
  async getBytes(pathOrUrl: string, query: Record<string, string> = {}, maxAttempts = this.config.maxAttempts): Promise<RawApiResponse> {
    const url = new URL(pathOrUrl, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let renewedToken = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(url);
      if (outcome.kind === 'ok') return outcome.response;
      if (outcome.kind === 'unauthorized') {
        if (renewedToken)
          throw new AppError('APPDIRECT_API_AUTH_FAILED', `the marketplace answered 401 to a fresh token (${url.pathname})`);
        renewedToken = true;
        this.tokens.refused(outcome.token);
        attempt -= 1; // a renewed token is not a retry of a failure
        continue;
      }
      if (outcome.kind === 'refused') throw outcome.error;
      if (attempt >= maxAttempts) {
        throw new AppError('APPDIRECT_API_UNAVAILABLE', `${url.pathname}: ${outcome.reason} after ${attempt} attempts`, {
          status: outcome.status,
        });
      }
      const delay = retryDelayMs(attempt, outcome.retryAfter, this.config, this.random);
      this.log.warn(
        { path: url.pathname, status: outcome.status, reason: outcome.reason, attempt, delayMs: delay },
        'marketplace call retried',
      );
      await this.sleep(delay);
    }
  }

  private async attempt(url: URL): Promise<Attempt> {
    const token = await this.token();
    await this.limiter?.removeTokens(1);
    this.requests += 1;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.timeoutMs),
        redirect: 'manual', // a redirect could take the bearer token to another host
      });
    } catch (err) {
      return {
        kind: 'retry',
        reason: `network error (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name})`,
        status: undefined,
      };
    }
    if (res.status === 401) {
      await res.body?.cancel();
      return { kind: 'unauthorized', token };
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      return { kind: 'retry', reason: `HTTP ${res.status}`, status: res.status, retryAfter: res.headers.get('retry-after') ?? undefined };
    }
    if (res.status === 204) return { kind: 'ok', response: this.response(res, Buffer.alloc(0), started) };
    if (res.status < 200 || res.status >= 300) {
      const text = (await readBounded(res, 4096, url.pathname).catch(() => Buffer.alloc(0))).toString('utf8');
      const error = new AppError('APPDIRECT_API_REFUSED', `${url.pathname}: HTTP ${res.status}${appdirectCode(text)}`, {
        status: res.status,
      });
      return { kind: 'refused', error };
    }
    const bytes = await readBounded(res, this.config.maxResponseBytes, url.pathname);
    return { kind: 'ok', response: this.response(res, bytes, started) };
  }

  private response(res: Response, bytes: Buffer, started: number): RawApiResponse {
    const date = res.headers.get('date');
    const parsed = date === null ? NaN : Date.parse(date);
    return {
      bytes,
      headers: res.headers,
      serverDate: Number.isFinite(parsed) ? parsed : undefined,
      roundTripMs: Math.ceil(performance.now() - started),
    };
  }

  private async token(): Promise<string> {
    try {
      return await this.tokens.get();
    } catch (err) {
      throw new AppError(
        'APPDIRECT_API_AUTH_FAILED',
        `token request to ${this.base.origin}/oauth2/token failed: ${describeTokenError(err)}`,
      );
    }
  }
}

type Attempt =
  | { kind: 'ok'; response: RawApiResponse }
  | { kind: 'unauthorized'; token: string }
  | { kind: 'refused'; error: AppError }
  | { kind: 'retry'; reason: string; status: number | undefined; retryAfter?: string };

/**
 * A response body as JSON: null for an empty one (204 No Content).
 * @throws AppError APPDIRECT_API_BAD_RESPONSE when it is not JSON.
 */
export function parseJsonBody(bytes: Uint8Array, what: string): unknown {
  if (bytes.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new AppError('APPDIRECT_API_BAD_RESPONSE', `${what}: the response is not JSON`);
  }
}

/** AppDirect's error bodies are `{"code":"404","message":"..."}`: the code and message, cut short, name no secret. */
function appdirectCode(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === 'string' ? ` (${parsed.message.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}

/** One limiter for every call of the source: `rps` tokens a second (0: none). */
function createLimiter(rps: number): RateLimiterQueue | undefined {
  if (rps <= 0) return undefined;
  const limiter =
    rps >= 1
      ? new RateLimiterMemory({ points: Math.floor(rps), duration: 1 })
      : new RateLimiterMemory({ points: 1, duration: Math.ceil(1 / rps) });
  return new RateLimiterQueue(limiter);
}
