import { z } from 'zod';
import { errorResponses, jsonResponse, SERVER_ERRORS, type ApiRoute } from '../http/openapi-parts';

/** The path AppDirect is given as "Access Token URI" (behind https://<host>). */
export const TOKEN_PATH = '/oauth/token';

/** The client by HTTP Basic (scheme oauthClientBasic of security-schemes.ts), or by its id and secret in the form (`{}`). */
const TOKEN_SECURITY: Array<Record<string, string[]>> = [{ oauthClientBasic: [] }, {}];

/** A form parameter given once; express's urlencoded parser makes a repeated one an array. */
const param = z.string();

/**
 * The form of `POST /oauth/token` (RFC 6749 sections 4.3 and 4.4). Parameters it does not know are ignored, as the
 * RFC asks; the client is authenticated by HTTP Basic or by client_id and client_secret here, never both.
 */
export const tokenForm = z
  .object({
    grant_type: param.min(1).meta({ description: 'client_credentials or password.' }),
    client_id: param.optional(),
    client_secret: param.optional().meta({ description: 'Only without HTTP Basic (client_secret_post).' }),
    username: param.optional().meta({ description: 'grant_type password: a user registered for the source.' }),
    password: param.optional(),
    scope: param.optional().meta({ description: 'webhooks, or nothing.' }),
  })
  .meta({ id: 'TokenForm' });

/** The successful answer (RFC 6749 section 5.1); the service's IssuedToken. */
export const issuedToken = z
  .strictObject({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: 'Seconds (auth.tokenTtlSeconds).' }),
    scope: z.string(),
  })
  .meta({ id: 'IssuedToken' });

/** A refusal (RFC 6749 section 5.2): the OAUTH_* code without its prefix, lower-cased. */
export const oauthError = z
  .strictObject({
    error: z.enum(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']),
    error_description: z.string(),
  })
  .meta({ id: 'OAuthError' });

/** `POST /oauth/token` (token-router.ts). */
export const tokenRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: TOKEN_PATH,
    operationId: 'issueToken',
    tags: ['oauth'],
    summary: 'Issue a bearer token for webhooks of an oauth2 source',
    description: 'The "Access Token URI" given to AppDirect. Answers carry Cache-Control: no-store.',
    security: TOKEN_SECURITY,
    request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: tokenForm } } } },
    responses: {
      200: jsonResponse(issuedToken, 'A token for `Authorization: Bearer` on the webhooks of the client’s source.'),
      400: jsonResponse(
        oauthError,
        'invalid_request (also for a body that cannot be read, is too large or has too many parameters), invalid_grant, unauthorized_client, unsupported_grant_type, invalid_scope.',
      ),
      401: jsonResponse(oauthError, 'invalid_client: unknown client or wrong secret (WWW-Authenticate: Basic when Basic was used).'),
      ...errorResponses('AUTH_RATE_LIMITED', ...SERVER_ERRORS),
    },
  },
];
