import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from './core/logger';
import { errorHandler, notFoundHandler } from './http/error-handler';
import type { FailedAuthLimiter } from './http/failed-auth-limiter';
import { healthRouter, type ReadinessProbe } from './http/health-router';
import { requestContext } from './http/request-context';
import type { ReceiverService } from './receiver/receiver-service';
import type { SourceAuthenticator } from './receiver/source-authenticator';
import { webhookRouter } from './receiver/webhook-router';

export interface AppDeps {
  logger: Logger;
  receiver: ReceiverService;
  authenticators: ReadonlyMap<string, SourceAuthenticator>;
  limiter: FailedAuthLimiter;
  readiness: ReadinessProbe;
  bodyLimitBytes: number;
  trustProxy: boolean | number;
  /** Runs first on every request: the metrics' request timer, when metrics are on. */
  timer?: RequestHandler;
  /** Further routers mounted before the 404 handler (the OAuth2 token endpoint, APIs). */
  routers?: Router[];
}

/**
 * Builds the express app: request context, webhooks, health, extra routers, 404, error handler.
 * No listen(): main.ts and the tests decide how it is served.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  if (deps.timer) app.use(deps.timer);
  app.use(requestContext(deps.logger));
  // Webhooks first: they are nearly all the traffic, so they should not walk past other routes.
  app.use(
    webhookRouter({
      authenticators: deps.authenticators,
      receiver: deps.receiver,
      limiter: deps.limiter,
      bodyLimitBytes: deps.bodyLimitBytes,
    }),
  );
  app.use(healthRouter(deps.readiness));
  for (const router of deps.routers ?? []) app.use(router);
  app.use(notFoundHandler());
  app.use(errorHandler());
  return app;
}
