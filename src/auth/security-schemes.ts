import type { SecuritySchemeObject } from 'openapi3-ts/oas31';
import { TOKEN_PATH } from './token-schemas';
import type { ApiScope } from './api-key-store';

/** What each API key scope allows; typed by ApiScope, so a new scope cannot go undescribed. */
const SCOPE_MEANINGS: Record<ApiScope, string> = {
  'feed:read': 'the change feed and the consumers bound to the key',
  'records:read': 'the records API',
  'metrics:read': 'GET /metrics',
  'admin:read': 'the admin API reads',
  'admin:write': 'the admin API retries (audited)',
  admin: 'every scope, and also the consumers list and rewind',
};

/**
 * How each route family authenticates, as OpenAPI security schemes: API keys with scopes for the downstream APIs,
 * the four webhook modes of docs/auth.md, and HTTP Basic for the token endpoint. Descriptions only: no key, token,
 * secret or issuer of a running instance ever goes into the document.
 */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key (`ads_<id>_<secret>`, made by `appdirect-sync api-keys create --scope ...`) as `Authorization: Bearer`. ' +
      `Each operation lists the scope it needs: ${Object.entries(SCOPE_MEANINGS)
        .map(([scope, meaning]) => `${scope} (${meaning})`)
        .join('; ')}. Missing or unknown key: 401; a key without the scope: 403 insufficient_scope.`,
  },
  webhookToken: {
    type: 'apiKey',
    in: 'header',
    name: 'x-appdirect-webhook-token',
    description:
      'Source auth mode `token`: the shared secret AppDirect sends as is (legacy header name AppDirect-Webhook-Token ' +
      'also accepted). Several tokens may be active at once for rotation.',
  },
  webhookOauth2: {
    type: 'oauth2',
    description:
      'Source auth mode `oauth2`: a bearer token this service issued at POST /oauth/token to a client (and user) ' +
      'registered for that source (`appdirect-sync clients add`, `users add`).',
    flows: {
      clientCredentials: { tokenUrl: TOKEN_PATH, scopes: { webhooks: 'post webhooks to the source the client belongs to' } },
      password: { tokenUrl: TOKEN_PATH, scopes: { webhooks: 'post webhooks to the source the client belongs to' } },
    },
  },
  webhookJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "Source auth mode `jwt`: a JWT of your own identity provider, checked against the source's issuer, audience and JWKS.",
  },
  oauthClientBasic: {
    type: 'http',
    scheme: 'basic',
    description:
      'Token endpoint client authentication `client_secret_basic`; the alternative `client_secret_post` sends client_id ' +
      'and client_secret in the form instead (one of the two, never both).',
  },
} satisfies Record<string, SecuritySchemeObject>;

/** The security requirement of a route guarded by an API key with `scope` (`admin` holds every scope). */
export function apiKeySecurity(scope: ApiScope): Array<Record<string, string[]>> {
  return [{ apiKey: [scope] }];
}

/**
 * A webhook is authenticated by its source's mode: one of these, or nothing for mode `none` (`{}`), which
 * `environment: production` refuses.
 */
export const WEBHOOK_SECURITY: Array<Record<string, string[]>> = [
  { webhookToken: [] },
  { webhookOauth2: ['webhooks'] },
  { webhookJwt: [] },
  {},
];
