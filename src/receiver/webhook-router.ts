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
          // Counted before answering, so the next request (on any instance) already sees it.
          if (toAppError(err).status === 401) await deps.limiter.recordFailure('webhook', req.ip);
          req.log.info({ source, reason: toAppError(err).code }, 'webhook authentication failed');
          next(err);
        },
      );
    },
    readBody,
    (req, res, next) => {
      const { source, principal } = res.locals.webhook as WebhookLocals;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      deps.receiver
        .receive({ source, principal: principal.id, body, requestId: req.id, remoteAddress: req.ip })
        .then((outcome) => {
          req.log.info({ eventId: outcome.id, source, outcome: outcome.status }, 'webhook received');
          res.status(200).json({ status: outcome.status, id: outcome.id });
        }, next);
    },
  );

  // Body-parser errors (413, aborted) after authentication are recorded as rejections too.
  router.use('/webhooks/:source', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const locals = res.locals.webhook as WebhookLocals | undefined;
    const appError = toAppError(err);
    if (!locals || appError.code !== 'RECEIVER_BODY_TOO_LARGE') {
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
