import { Router } from 'express';
import { OPENAPI_PATH } from './http-schemas';

/** What the index names besides the fixed links. */
export interface IndexInfo {
  service: string;
  version: string;
  /** Whether the main port serves /metrics (metrics enabled, and not moved to metrics.port alone). */
  metricsOnMainPort: boolean;
  /** Whether the browser console is served at /console (console.enabled). */
  console: boolean;
}

/**
 * `GET /` and `GET /admin`: a small JSON index for a person (or a script) who points a browser at the service: its
 * name, version, and where health, readiness, metrics, the admin API, the console, the OpenAPI document and the docs are. Both answer the same index,
 * so neither is ever a 404. It names no secret and needs no key.
 */
export function indexRouter(info: IndexInfo): Router {
  const router = Router();
  const index = {
    service: info.service,
    version: info.version,
    links: {
      health: '/healthz',
      ready: '/readyz',
      ...(info.metricsOnMainPort ? { metrics: '/metrics' } : {}),
      admin: '/api/v1/admin',
      changes: '/api/v1/changes',
      records: '/api/v1/records/{entity}',
      openapi: OPENAPI_PATH,
      ...(info.console ? { console: '/console' } : {}),
    },
    docs: {
      adminApi: 'docs/admin-api.md',
      operations: 'docs/operations.md',
      consumers: 'docs/consumers.md',
      configuration: 'docs/configuration.md',
    },
  };
  // Two routes, not one with a path array: the metrics label a request by its route's path string.
  for (const path of ['/', '/admin']) {
    router.get(path, (_req, res) => {
      res.json(index);
    });
  }
  return router;
}
