import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError } from '../core/app-error';

/**
 * Renders every error as `{ "error": { "code", "message", "requestId" } }`. An AppError keeps its status and
 * code; body-parser's own errors are translated; anything else is a generic 500, logged with its stack.
 */
export function errorHandler(): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.status >= 500 && appError.code === 'SERVER_INTERNAL') {
      req.log?.error({ err }, 'unhandled error');
    }
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

/** Maps body-parser and other known errors onto the catalog; everything else becomes SERVER_INTERNAL. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { type?: string; status?: number; limit?: number } | null;
  if (e?.type === 'entity.too.large') {
    return new AppError('RECEIVER_BODY_TOO_LARGE', `request body is over the limit of ${e.limit ?? '?'} bytes`);
  }
  if (e?.type === 'entity.parse.failed') return new AppError('RECEIVER_MALFORMED_JSON', 'request body is not valid JSON');
  return new AppError('SERVER_INTERNAL', 'internal error');
}
