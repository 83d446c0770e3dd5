import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import { adminRoutes } from '../admin/admin-routes';
import { connectorFailuresRoutes } from '../admin/connector-failures-schemas';
import { packageVersion } from '../core/package-version';
import { SECURITY_SCHEMES } from '../auth/security-schemes';
import { tokenRoutes } from '../auth/token-schemas';
import { feedRoutes } from '../feed/feed-schemas';
import { httpRoutes } from '../http/http-schemas';
import type { ApiRoute } from '../http/openapi-parts';
import { metricsRoutes } from '../metrics/metrics-schemas';
import { webhookRoutes } from '../receiver/webhook-schemas';
import { recordsRoutes } from '../records/records-schemas';

/** Every route family of the express app (create-http-app.ts), each described next to its router. */
const FAMILIES: ReadonlyArray<{ tag: string; description: string; routes: ApiRoute[] }> = [
  { tag: 'webhooks', description: 'AppDirect posts deliveries here (docs/auth.md).', routes: webhookRoutes },
  { tag: 'oauth', description: 'The token endpoint of the oauth2 webhook mode.', routes: tokenRoutes },
  { tag: 'feed', description: 'The ordered change feed and named consumers (docs/consumers.md).', routes: feedRoutes },
  { tag: 'records', description: 'The current records (docs/consumers.md).', routes: recordsRoutes },
  {
    tag: 'admin',
    description: "The CLI's operator view as JSON (docs/admin-api.md).",
    routes: [...adminRoutes, ...connectorFailuresRoutes],
  },
  { tag: 'operations', description: 'The index, health, readiness, metrics and this document.', routes: [...httpRoutes, ...metricsRoutes] },
];

/**
 * The OpenAPI 3.1 document of every HTTP route, generated from the zod schemas the routes validate with. It is
 * the same for every instance and every config (no host, source name, key or secret in it): `GET /openapi.json`
 * serves it and `npm run openapi` writes it to docs/openapi.json, which a test keeps equal to this.
 */
export function buildOpenApiDocument(): OpenAPIObject {
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) registry.registerComponent('securitySchemes', name, scheme);
  for (const family of FAMILIES) {
    for (const route of family.routes) registry.registerPath({ tags: [family.tag], ...route });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'appdirect-sync',
      version: packageVersion(),
      description:
        'Receives AppDirect webhooks durably, keeps versioned records and a gap-free change feed for downstream connectors. ' +
        'Every error is `{ "error": { "code", "message", "requestId" } }` with a code of docs/errors.md, except the token ' +
        'endpoint, whose refusals follow RFC 6749. The operations console under `/console` is a browser UI (HTML pages ' +
        'behind a session cookie, docs/console.md) over the same services as the admin API, and is not described here.',
    },
    tags: FAMILIES.map(({ tag, description }) => ({ name: tag, description })),
  });
}

/** The document as docs/openapi.json holds it: two-space JSON and a final newline. */
export function openApiJson(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
