import { z } from 'zod';
import { errorResponses, jsonResponse, type ApiRoute } from './openapi-parts';

/** The routes src/http serves itself, without authentication: the index, health, readiness and this document. */
export const OPENAPI_PATH = '/openapi.json';

const health = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });
const readiness = z
  .strictObject({
    status: z.enum(['ready', 'not ready']),
    checks: z.record(z.string(), z.string()).meta({ description: 'Each check and its state (database, migrations).' }),
  })
  .meta({ id: 'Readiness' });

/** The index of index-router.ts: where a person who opens the service in a browser can go. */
const serviceIndex = z
  .strictObject({
    service: z.literal('appdirect-sync'),
    version: z.string(),
    links: z.strictObject({
      health: z.string(),
      ready: z.string(),
      metrics: z.string().optional().meta({ description: 'Only when the main port serves /metrics.' }),
      admin: z.string(),
      changes: z.string(),
      records: z.string(),
      openapi: z.string(),
      console: z.string().optional().meta({ description: 'The operations console in a browser, when console.enabled.' }),
    }),
    docs: z
      .strictObject({ adminApi: z.string(), operations: z.string(), consumers: z.string(), configuration: z.string() })
      .meta({ description: 'Documents of the repository, by topic.' }),
  })
  .meta({ id: 'ServiceIndex' });

/** `GET /` and `GET /admin` answer the same index (the console, when enabled, is linked from it). */
const indexRoute = (path: string, operationId: string): ApiRoute => ({
  method: 'get',
  path,
  operationId,
  summary: 'An index of the service: name, version, links to its routes and docs',
  description: 'Served without authentication: it names no secret.',
  security: [],
  responses: { 200: jsonResponse(serviceIndex, 'The index.') },
});

export const httpRoutes: ApiRoute[] = [
  indexRoute('/', 'serviceIndex'),
  indexRoute('/admin', 'serviceIndexAdmin'),
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
