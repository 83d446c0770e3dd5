import { z } from 'zod';
import { apiKeySecurity } from '../auth/security-schemes';
import { apiKeyErrors, type ApiRoute } from '../http/openapi-parts';

/** `GET /metrics` (metrics-router.ts), mounted while `metrics.enabled` is true (docs/operations.md). */
export const metricsRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Only when metrics are enabled on the main port (docs/operations.md); otherwise 404. With `metrics.port` set, a second ' +
      'listener on `metrics.host:metrics.port` serves this same operation without a key (its only route), and the main ' +
      'port keeps it only when `metrics.mainPort` is true.',
    security: apiKeySecurity('metrics:read'),
    responses: {
      200: {
        description: 'The metrics of this process and the gauges computed from the database at scrape.',
        content: { 'text/plain': { schema: z.string().meta({ description: 'Prometheus text format 0.0.4.' }) } },
      },
      ...apiKeyErrors(),
    },
  },
];
