import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../core/app-error';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import { toAppError } from '../http/error-handler';
import type { ReceiverService } from './receiver-service';
import type { Principal, SourceAuthenticator } from './source-authenticator';

export interface WebhookRouterDeps {
  authenticators: ReadonlyMap<string, SourceAuthenticator>;
  receiver: ReceiverService;
  limiter: FailedAuthLimiter;
  bodyLimitBytes: number;
}

interface WebhookLocals {
  source: string;
  principal: Principal;
}

/**
 * `POST /webhooks/:source`: source lookup (404) → authentication (401) → body with limit (413) →
 * JSON and envelope check (400) → durable accept (200, or 503 when the store cannot commit).
 */
export function webhookRouter(deps: WebhookRouterDeps): Router {
  const router = Router();
  const readBody = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  router.post(
    '/webhooks/:source',
    deps.limiter.guard('webhook'),
    (req, res, next) => {
      const source = req.params.source ?? '';
      const authenticator = deps.authenticators.get(source);
      if (!authenticator) {
        next(new AppError('RECEIVER_UNKNOWN_SOURCE', `no webhook source named ${JSON.stringify(source.slice(0, 64))}`));
        return;
      }
      authenticator.authenticate(source, req.headers).then(
        (principal) => {
          res.locals.webhook = { source, principal } satisfies WebhookLocals;
          next();
        },
        async (err: unknown) => {
          const appError = toAppError(err, req.originalUrl);
          // Counted before answering, so the next request (on any instance) already sees it.
          if (appError.status === 401) await deps.limiter.recordFailure('webhook', req.ip);
          req.log.info({ source, reason: appError.code }, 'webhook authentication failed');
          next(err);
        },
      );
    },
    readBody,
    (req, res, next) => {
      const { source, principal } = res.locals.webhook as WebhookLocals;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const charset = declaredCharset(req.headers['content-type']);
      if (charset !== undefined && !TEXT_CHARSETS.has(charset)) {
        // The body is read as UTF-8: bytes of another charset would be stored and mapped as garbage.
        const refused = new AppError(
          'RECEIVER_UNSUPPORTED_CHARSET',
          `charset ${JSON.stringify(charset.slice(0, 32))} is not supported (utf-8)`,
        );
        const rejection = { source, principal: principal.id, body, requestId: req.id, remoteAddress: req.ip };
        void deps.receiver.reject(rejection, refused).finally(() => next(refused));
        return;
      }
      deps.receiver.receive({ source, principal: principal.id, body, requestId: req.id, remoteAddress: req.ip }).then((outcome) => {
        req.log.info({ eventId: outcome.id, source, outcome: outcome.status }, 'webhook received');
        res.locals.deliveryOutcome = outcome.status;
        res.status(200).json({ status: outcome.status, id: outcome.id });
      }, next);
    },
  );

  // Body-parser errors (413, 415, corrupt or aborted body) after authentication are recorded as rejections too.
  router.use('/webhooks/:source', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const locals = res.locals.webhook as WebhookLocals | undefined;
    const appError = toAppError(err, req.originalUrl);
    if (!locals || appError.details.bodyProblem === undefined) {
      next(err);
      return;
    }
    const declared = Number(req.headers['content-length']);
    deps.receiver
      .reject(
        {
          source: locals.source,
          principal: locals.principal.id,
          requestId: req.id,
          remoteAddress: req.ip,
          bodyBytes: Number.isFinite(declared) ? declared : undefined,
        },
        appError,
      )
      .finally(() => next(appError));
  });

  return router;
}

/** Charsets whose bytes are UTF-8 as they are. */
const TEXT_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/** The charset parameter of a Content-Type header, lower-cased, or undefined when there is none. */
function declaredCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '');
  return match ? (match[1] ?? '').toLowerCase() : undefined;
}
