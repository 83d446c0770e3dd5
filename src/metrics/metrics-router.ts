import { Router, type RequestHandler } from 'express';
import type { ServiceMetrics } from './service-metrics';

/** `GET /metrics` in the Prometheus text format, behind the given guard (an API key with `metrics:read`). */
export function metricsRouter(metrics: ServiceMetrics, guard: RequestHandler[]): Router {
  const router = Router();
  router.get('/metrics', ...guard, (_req, res, next) => {
    metrics.registry.metrics().then((text) => {
      res.type(metrics.registry.contentType).send(text);
    }, next);
  });
  return router;
}
