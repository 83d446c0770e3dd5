import type { Express } from 'express';
import { adminRouter, type AdminRouterDeps } from '../admin/admin-router';
import type { AdminAuditEntry } from '../admin/admin-audit-store';
import { connectorFailuresRouter } from '../admin/connector-failures-router';
import { withTransaction } from '../db/transaction';
import { createApp } from '../app';
import { ApiKeyAuth } from '../auth/api-key-auth';
import { createBearerAuth } from '../auth/bearer-auth';
import { consoleRouter } from '../console/console-router';
import { OauthTokenService } from '../auth/oauth-token-service';
import { DbReadiness } from '../db/db-readiness';
import { feedRouter } from '../feed/feed-router';
import { KnexMetricsStore } from '../metrics/knex-metrics-store';
import { metricsRouter } from '../metrics/metrics-router';
import { packageVersion } from '../core/package-version';
import { FailedAuthLimiter } from '../http/failed-auth-limiter';
import { indexRouter } from '../http/index-router';
import { openapiRouter } from '../http/openapi-router';
import { createAuthenticators } from '../receiver/authenticator-factory';
import { recordsRouter } from '../records/records-router';
import type { Container } from './container';
import { buildOpenApiDocument } from './openapi-document';
import { wireMetrics } from './wire-metrics';

/**
 * The HTTP side of the composition root: the failed-auth limiter shared by every route family, the bearer modes
 * (OAuth2 token endpoint, jwt), API keys, one authenticator per source, and the express app around the receiver,
 * the feed and the records. Only `serve` (and tests that serve) ask the container for it.
 */
export function createHttpApp(c: Container): Express {
  const { config, clock, db, stores } = c;
  const limiter = new FailedAuthLimiter({ ...config.auth.failedAuth, db });
  const tokenService = new OauthTokenService({
    db,
    clients: stores.oauthClients,
    users: stores.oauthUsers,
    tokens: stores.oauthTokens,
    clock,
    tokenTtlSeconds: config.auth.tokenTtlSeconds,
    isOauth2Source: (source) => config.sources[source]?.auth.mode === 'oauth2',
  });
  const bearerAuth = createBearerAuth({ service: tokenService, tokens: stores.oauthTokens, clock, limiter });
  const apiKeyAuth = new ApiKeyAuth(stores.apiKeys, clock, limiter);
  const authenticators = createAuthenticators(config.sources, { clock, bearer: bearerAuth.authenticatorFor });
  const metrics = c.metrics;
  const onMainPort = config.metrics.mainPort ?? config.metrics.port === undefined;
  const metricsRoutes = metrics && onMainPort ? [metricsRouter(metrics, apiKeyAuth.require('metrics:read'))] : [];
  if (metrics) wireMetrics(c, metrics);
  // The admin API and the console drive the same stores and services (ADR 0034).
  const admin: Omit<AdminRouterDeps, 'auth'> = {
    events: c.events,
    retry: c.eventRetry,
    reads: stores.adminReads,
    audit: stores.adminAudit,
    records: stores.records,
    feed: c.feed,
    connectors: {
      configs: config.connectors,
      lastOutcome: (name) => c.connectors.lastOutcome(name),
      parked: () => stores.connectorFailures.countParked(),
    },
    mappings: {
      mappingFor: (type) => c.mappings.forResourceType(type),
      mappingsDir: config.mappings.dir,
      bodyLimitBytes: config.server.bodyLimitBytes,
      maxDepth: config.receiver.maxDepth + 1,
    },
  };
  // One audit row in its own transaction (a parked change's retry talks to the destination, outside any).
  const auditNow = (entry: AdminAuditEntry) => withTransaction(db, (trx) => stores.adminAudit.record(trx, entry, clock.now()));
  const gauges = new KnexMetricsStore(db, c.feed);
  const consoleRoutes = config.console.enabled
    ? [
        consoleRouter({
          admin,
          snapshot: () => gauges.snapshot(),
          mappingList: () => c.mappings.all(),
          connectorFailures: c.connectorFailures,
          auditNow,
          sessions: stores.consoleSessions,
          apiKeys: stores.apiKeys,
          limiter,
          clock,
          idleMinutes: config.console.sessionIdleMinutes,
        }),
      ]
    : [];
  return createApp({
    logger: c.logger,
    receiver: c.receiver,
    authenticators,
    limiter,
    readiness: new DbReadiness(db),
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    timer: metrics?.middleware(),
    routers: [
      indexRouter({
        service: 'appdirect-sync',
        version: packageVersion(),
        metricsOnMainPort: metricsRoutes.length > 0,
        console: config.console.enabled,
      }),
      openapiRouter(buildOpenApiDocument()),
      ...metricsRoutes,
      bearerAuth.tokenRouter,
      feedRouter(c.feed, apiKeyAuth),
      recordsRouter(stores.records, apiKeyAuth),
      adminRouter({ ...admin, auth: apiKeyAuth }),
      connectorFailuresRouter({ failures: c.connectorFailures, audit: auditNow, auth: apiKeyAuth }),
      ...consoleRoutes,
    ],
  });
}
