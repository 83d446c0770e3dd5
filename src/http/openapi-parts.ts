import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../core/error-codes';

/** One operation of the OpenAPI document: a stage lists its routes next to its router (`*-schemas.ts`). */
export type ApiRoute = RouteConfig;

/** The body every error of the service is rendered as (src/http/error-handler.ts). */
export const errorEnvelope = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).meta({ description: 'A code of docs/errors.md.' }),
      message: z.string().meta({ description: 'What went wrong, for a person; never a secret.' }),
      requestId: z.string().meta({ description: 'The x-request-id of the request, as logged.' }),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: 'Every error answer: `{ "error": { "code", "message", "requestId" } }`.' });

/** A 200 (or other) answer with a JSON body. */
export function jsonResponse(schema: z.ZodType, description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

/** A JSON request body. */
export function jsonBody(schema: z.ZodType, description: string): NonNullable<RouteConfig['request']>['body'] {
  return { description, required: true, content: { 'application/json': { schema } } };
}

/** Error answers by status, each an ErrorEnvelope; the text says which codes it carries. */
export function errorResponses(byStatus: Record<number, string>): Record<number, ResponseConfig> {
  return Object.fromEntries(Object.entries(byStatus).map(([status, description]) => [status, jsonResponse(errorEnvelope, description)]));
}

/** What every route may answer whatever it does: the database is busy (503) or a bug (500). */
export const SERVER_ERRORS = {
  500: 'SERVER_INTERNAL: an unexpected error, logged with its stack.',
  503: 'HTTP_STORE_UNAVAILABLE (RECEIVER_STORE_UNAVAILABLE on webhooks): the database is busy or unreachable; a Retry-After header says when to come back.',
} as const;

/** The 400 of a malformed Authorization header, answered by every bearer guard. */
export const BAD_AUTH_HEADER = 'AUTH_BAD_REQUEST: the Authorization header is malformed.';

/**
 * The answers of the API key guard (src/auth/api-key-auth.ts), shared by the feed, records, admin and metrics routes.
 * A route with parameters says more about its 400 (`badRequest`: API_BAD_REQUEST and what it checks).
 */
export function apiKeyErrors(badRequest?: string): Record<number, ResponseConfig> {
  return errorResponses({ 400: badRequest ? `${badRequest} ${BAD_AUTH_HEADER}` : BAD_AUTH_HEADER, ...API_KEY_ERRORS });
}

const API_KEY_ERRORS = {
  401: 'AUTH_MISSING_TOKEN or AUTH_INVALID_TOKEN: no API key, or an unknown or revoked one (WWW-Authenticate: Bearer).',
  403: 'API_INSUFFICIENT_SCOPE: the key lacks the scope of this route (API_CONSUMER_NOT_OWNED: the consumer belongs to another key).',
  429: 'AUTH_RATE_LIMITED: too many failed authentications from this address; Retry-After says when to try again.',
  ...SERVER_ERRORS,
} as const;
