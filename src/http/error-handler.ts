import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError } from '../core/app-error';
import { isStoreUnavailable } from '../db/db-errors';
import { bodyError, routeFamily } from './body-errors';

/**
 * Renders every error as `{ "error": { "code", "message", "requestId" } }`. An AppError keeps its status and
 * code; body-parser's own errors are translated; anything else is a generic 500, logged with its stack.
 */
export function errorHandler(): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err, req.originalUrl);
    if (appError.status >= 500 && appError.code === 'SERVER_INTERNAL') {
      req.log?.error({ err }, 'unhandled error');
    } else if (appError.details.bodyProblem === 'unreadable') {
      // A client that hangs up mid-upload is its own problem, not one a person must act on.
      req.log?.info({ reason: appError.code }, 'request body unreadable');
    }
    res.locals.errorCode = appError.code; // a catalogued code: the metrics' bounded label for a refusal
    const challenge = appError.details.wwwAuthenticate;
    if (typeof challenge === 'string') res.setHeader('WWW-Authenticate', challenge);
    const retryAfter = appError.details.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    if (res.headersSent) return;
    res.status(appError.status).json({ error: { code: appError.code, message: appError.message, requestId: req.id } });
  };
}

/** 404 for every route nobody claimed. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => next(new AppError('HTTP_NOT_FOUND', `no route for ${req.method} ${req.path}`));
}

/**
 * Maps body-parser and other known errors onto the catalog, in the codes of the route's family (`path`: the
 * request's originalUrl; RECEIVER_* on webhook routes only); everything else becomes SERVER_INTERNAL.
 */
export function toAppError(err: unknown, path = ''): AppError {
  if (isAppError(err)) return err;
  const family = routeFamily(path);
  if (isStoreUnavailable(err)) {
    // A locked or unreachable database is a passing state, not a bug: the client is told to come back.
    const code = family === 'receiver' ? 'RECEIVER_STORE_UNAVAILABLE' : 'HTTP_STORE_UNAVAILABLE';
    return new AppError(code, 'the database is busy or unreachable; try again shortly', { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS });
  }
  return bodyError(err, family) ?? new AppError('SERVER_INTERNAL', 'internal error');
}

/** What a client waits before trying again when the database was busy (a lock, a failover): seconds, not minutes. */
const STORE_RETRY_AFTER_SECONDS = 5;
