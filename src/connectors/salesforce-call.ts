import type { Connection } from 'jsforce';
import type { RetryConfig } from '../config/connector-schema';
import { AppError, isAppError } from '../core/app-error';
import { backoffDelay, sleep } from './retry-with-backoff';
import type { SalesforceSession } from './salesforce-session';

/** What jsforce throws for an error answer (its HttpApiError): Salesforce's errorCode and message; ERROR_HTTP_<status> when the body had none. */
interface ApiFailure {
  errorCode?: string;
  message: string;
}

/** Answers worth another try after a wait: the server or the network, not the request. */
const TRANSIENT = new Set([
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'ERROR_HTTP_500',
  'ERROR_HTTP_502',
  'ERROR_HTTP_503',
  'ERROR_HTTP_504',
]);

/**
 * One call to Salesforce through a session's jsforce Connection, with its failures sorted:
 * - 401 INVALID_SESSION_ID (the session expired or was revoked): a new token once, the same call again; a second
 *   one fails the run (CONNECTOR_AUTH_FAILED);
 * - 403 REQUEST_LIMIT_EXCEEDED: the org's 24-hour API limit ("TotalRequests") stops the run at once, checkpoint
 *   kept (CONNECTOR_RATE_LIMITED); another limit (concurrent long requests) backs off and tries again, and stops
 *   the run the same way when the tries run out. Never parked: the records are fine, the org is busy;
 * - 5xx and network errors back off and try again (CONNECTOR_DELIVERY_FAILED when the tries run out);
 * - any other error answer refused the request as a whole (a wrong field or object name in the mapping or the
 *   config): the run fails with Salesforce's message (CONNECTOR_DELIVERY_FAILED) rather than park every record.
 * Messages carry Salesforce's errorCode and message and the call's name, never the token.
 */
export async function callSalesforce<T>(
  session: SalesforceSession,
  policy: RetryConfig,
  signal: AbortSignal,
  what: string,
  call: (conn: Connection) => Promise<T>,
): Promise<T> {
  let renewed = false;
  for (let n = 1; ; n++) {
    let last: string;
    const conn = await session.connection();
    try {
      return await call(conn);
    } catch (err) {
      if (isAppError(err)) throw err;
      const failure = asFailure(err);
      const code = failure.errorCode ?? '';
      const said = `Salesforce ${what}: ${code ? `${code}: ` : ''}${failure.message}`.slice(0, 2000);
      if (code === 'INVALID_SESSION_ID' || code === 'ERROR_HTTP_401') {
        if (renewed) throw new AppError('CONNECTOR_AUTH_FAILED', `${said} (again after a new token)`);
        renewed = true;
        await session.renew(conn);
        n -= 1;
        continue;
      }
      if (code === 'REQUEST_LIMIT_EXCEEDED') {
        if (/TotalRequests/i.test(failure.message) || n >= policy.attempts || signal.aborted) {
          throw new AppError('CONNECTOR_RATE_LIMITED', said);
        }
        last = said;
      } else if (code === '' || TRANSIENT.has(code)) {
        last = said;
      } else {
        throw new AppError('CONNECTOR_DELIVERY_FAILED', `${said} (the request was refused as a whole)`, { retryable: false });
      }
    }
    if (n >= policy.attempts || signal.aborted) throw new AppError('CONNECTOR_DELIVERY_FAILED', `${last} (after ${n} tries)`);
    await sleep(backoffDelay(policy, n), signal);
  }
}

function asFailure(err: unknown): ApiFailure {
  if (err instanceof Error) {
    const errorCode = (err as { errorCode?: unknown }).errorCode;
    return { message: err.message, ...(typeof errorCode === 'string' ? { errorCode } : {}) };
  }
  return { message: String(err) };
}
