import type { RetryConfig } from '../config/connector-schema';
import { AppError, isAppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import type { HttpAuth } from './http-auth';
import { readLimited, redactResponse } from './refusal-response';
import { retryWithBackoff, type TryOutcome } from './retry-with-backoff';

export interface OutgoingRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** JSON text, or undefined for no body. */
  body?: string;
  /** Sent as `Idempotency-Key` on every try, so the downstream can tell a retry from a new change. */
  idempotencyKey: string;
  /** Headers of this request besides the connector's own. */
  headers?: Readonly<Record<string, string>>;
  /** Statuses besides 2xx that mean the change is taken (404 and 410 for a DELETE). */
  alsoDone?: readonly number[];
}

export interface HttpSenderOptions {
  connector: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  retry: RetryConfig;
  auth: HttpAuth;
  logger: Logger;
  /** The connector's own credentials (static token, client secret): redacted from any answer that is kept. */
  secrets?: readonly string[];
}

/** A status, and for a refusal the start of the answer (redacted); or the network error. */
type Answer = { status: number; response?: string } | Error;

/** Statuses that say "try again later": timeouts, rate limits, server errors. */
const TRANSIENT = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** A final refusal: a 4xx that is neither a credential problem (401) nor "try again later". */
export const isRefusal = (status: number) => status >= 400 && status < 500 && status !== 401 && !TRANSIENT(status);

/**
 * Sends one request to a downstream until it is taken: retries network errors and transient statuses with backoff
 * and jitter, and after a 401 gets a new OAuth2 token and sends once more at once.
 * @remarks Any other 4xx is final (CONNECTOR_REFUSED): sending the same change again would be refused again. Its
 * answer (the first 4 KiB, credentials redacted) travels in the error's details as `response`, with `status`.
 */
export class HttpSender {
  constructor(private readonly options: HttpSenderOptions) {}

  /** Resolves with the status once the downstream answered 2xx; throws an AppError otherwise. */
  async send(request: OutgoingRequest, signal: AbortSignal): Promise<number> {
    const { retry, logger, connector } = this.options;
    return retryWithBackoff(
      retry,
      signal,
      () => this.tryOnce(request, signal),
      (n, waitMs, error) =>
        logger.warn(
          { connector, tryNumber: n, waitMs, idempotencyKey: request.idempotencyKey, reason: error.message },
          'connector send failed; retrying',
        ),
    );
  }

  private async tryOnce(request: OutgoingRequest, signal: AbortSignal): Promise<TryOutcome<number>> {
    let authorization: string | undefined;
    try {
      authorization = await this.options.auth.authorization();
    } catch (err) {
      return { done: false, retry: !isAppError(err) || err.details.retryable !== false, error: err as Error };
    }
    let answer = await this.exchange(request, authorization, signal);
    if (!(answer instanceof Error) && answer.status === 401 && authorization !== undefined && this.options.auth.refused(authorization)) {
      this.options.logger.info({ connector: this.options.connector }, 'downstream refused the token; requesting a new one');
      try {
        authorization = await this.options.auth.authorization();
      } catch (err) {
        return { done: false, retry: !isAppError(err) || err.details.retryable !== false, error: err as Error };
      }
      answer = await this.exchange(request, authorization, signal);
    }
    if (answer instanceof Error) return { done: false, retry: true, error: answer };
    const { status, response } = answer;
    if ((status >= 200 && status < 300) || request.alsoDone?.includes(status)) return { done: true, value: status };
    if (status === 401) {
      return {
        done: false,
        retry: false,
        error: new AppError('CONNECTOR_AUTH_FAILED', `${request.method} ${request.url} answered 401`, { status }),
      };
    }
    if (TRANSIENT(status)) {
      return {
        done: false,
        retry: true,
        error: new AppError('CONNECTOR_DELIVERY_FAILED', `${request.method} ${request.url} answered ${status}`, { status }),
      };
    }
    return {
      done: false,
      retry: false,
      error: new AppError('CONNECTOR_REFUSED', `${request.method} ${request.url} answered ${status}`, { status, response: response ?? '' }),
    };
  }

  /** One request; its status (and a refusal's answer), or the network error (timeouts included). */
  private async exchange(request: OutgoingRequest, authorization: string | undefined, signal: AbortSignal): Promise<Answer> {
    const headers: Record<string, string> = { ...this.options.headers, ...request.headers, 'idempotency-key': request.idempotencyKey };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (authorization !== undefined) headers.authorization = authorization;
    try {
      const res = await fetch(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      if (isRefusal(res.status) && !request.alsoDone?.includes(res.status)) {
        const secrets = [...(this.options.secrets ?? []), ...(authorization ? [authorization.replace(/^\S+ /, '')] : [])];
        const response = redactResponse(await readLimited(res).catch(() => ''), secrets);
        return { status: res.status, response };
      }
      // Read the answer to the end so the connection can be reused; its content is not needed.
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return new AppError('CONNECTOR_DELIVERY_FAILED', `${request.method} ${request.url} failed: ${cause ?? (err as Error).message}`);
    }
  }
}
