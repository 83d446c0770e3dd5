import { z } from 'zod';
import { errorResponses, jsonResponse, type ApiRoute } from './openapi-parts';

/** The routes src/http serves itself, without authentication: health, readiness and this document. */
export const OPENAPI_PATH = '/openapi.json';

const health = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });
const readiness = z
  .strictObject({
    status: z.enum(['ready', 'not ready']),
    checks: z.record(z.string(), z.string()).meta({ description: 'Each check and its state (database, migrations).' }),
  })
  .meta({ id: 'Readiness' });

export const httpRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process is up',
    security: [],
    responses: { 200: jsonResponse(health, 'Up.') },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    summary: 'The database answers and migrations are current',
    security: [],
    responses: {
      200: jsonResponse(readiness, 'Ready for traffic.'),
      503: jsonResponse(readiness, 'Not ready: a load balancer should send traffic elsewhere.'),
      ...errorResponses('SERVER_INTERNAL'),
    },
  },
  {
    method: 'get',
    path: OPENAPI_PATH,
    operationId: 'openapi',
    summary: 'This OpenAPI 3.1 document',
    description: 'Served without authentication: it describes the routes and reveals no data, key or secret.',
    security: [],
    responses: { 200: jsonResponse(z.record(z.string(), z.unknown()).meta({ description: 'An OpenAPI 3.1 document.' }), 'The document.') },
  },
];
