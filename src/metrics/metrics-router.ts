import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router, type RequestHandler } from 'express';
import type { Logger } from '../core/logger';
import { errorHandler, notFoundHandler } from '../http/error-handler';
import type { ServiceMetrics } from './service-metrics';

/** `GET /metrics` in the Prometheus text format, behind the given guard (an API key with `metrics:read`; none on the metrics port). */
export function metricsRouter(metrics: ServiceMetrics, guard: RequestHandler[]): Router {
  const router = Router();
  router.get('/metrics', ...guard, (_req, res, next) => {
    metrics.registry.metrics().then((text) => {
      res.type(metrics.registry.contentType).send(text);
    }, next);
  });
  return router;
}

/**
 * The separate metrics listener (`metrics.port`): only `GET /metrics`, without an API key, so it must be bound to a
 * loopback or private address (`metrics.host`, 127.0.0.1 by default). Every other path answers 404.
 * @returns the listening server; close it on stop.
 */
export function listenMetrics(metrics: ServiceMetrics, host: string, port: number, logger: Logger): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRouter(metrics, []));
  app.use(notFoundHandler());
  app.use(errorHandler());
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      logger.info({ host: address.address, port: address.port }, 'metrics listening');
      resolve(server);
    });
  });
}
