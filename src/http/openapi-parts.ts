import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../core/error-codes';

/** One operation of the OpenAPI document: a stage lists its routes next to its router (`*-schemas.ts`). */
export type ApiRoute = RouteConfig;

/** A 200 (or other) answer with a JSON body. */
export function jsonResponse(schema: z.ZodType, description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

/** A JSON request body; `required: false` when the route reads an empty body as `{}`. */
export function jsonBody(schema: z.ZodType, description: string, required = true): NonNullable<RouteConfig['request']>['body'] {
  return { description, required, content: { 'application/json': { schema } } };
}

/**
 * The error answers of an operation that can fail with `codes`: one response per status, the status each code has
 * in the catalog (src/core/error-codes.ts), so the document cannot give a code another status than the service
 * does. Each body is the envelope of src/http/error-handler.ts, `{ "error": { "code", "message", "requestId" } }`,
 * with `code` one of that status's codes; the description lists them with their meaning from the catalog.
 */
export function errorResponses(...codes: ErrorCode[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = group.map((code) => `- \`${code}\`: ${ERROR_CODES[code].meaning}`).join('\n');
    responses[status] = { ...jsonResponse(errorEnvelope(group), description), ...headersOf(status) };
  }
  return responses;
}

/** The headers the error handler sets beside a refusal (wwwAuthenticate and retryAfterSeconds of the AppError). */
function headersOf(status: number): Pick<ResponseConfig, 'headers'> {
  if (status === 401 || status === 403) {
    return {
      headers: {
        'WWW-Authenticate': { description: 'The challenge of a bearer or Basic scheme (RFC 6750, RFC 7617).', schema: { type: 'string' } },
      },
    };
  }
  if (status === 429 || status === 503) {
    return { headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } } } };
  }
  return {};
}

/** The error envelope with `code` limited to the given codes. */
function errorEnvelope(codes: ErrorCode[]) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]).meta({ description: 'A code of docs/errors.md.' }),
      message: z.string().meta({ description: 'What went wrong, for a person; never a secret.' }),
      requestId: z.string().meta({ description: 'The x-request-id of the request, as logged.' }),
    }),
  });
}

/** What any route may answer whatever it does: the database is busy (503, with Retry-After) or a bug (500). */
export const SERVER_ERRORS: ErrorCode[] = ['HTTP_STORE_UNAVAILABLE', 'SERVER_INTERNAL'];

/** The refusals of the API key guard (src/auth/api-key-auth.ts), shared by the feed, records, admin and metrics routes. */
export const API_KEY_ERRORS: ErrorCode[] = [
  'AUTH_BAD_REQUEST',
  'AUTH_MISSING_TOKEN',
  'AUTH_INVALID_TOKEN',
  'API_INSUFFICIENT_SCOPE',
  'AUTH_RATE_LIMITED',
  ...SERVER_ERRORS,
];

/** What express.json answers for a body it cannot read (src/http/body-errors.ts, family http). */
export const JSON_BODY_ERRORS: ErrorCode[] = [
  'HTTP_MALFORMED_JSON',
  'HTTP_BODY_TOO_LARGE',
  'HTTP_UNSUPPORTED_ENCODING',
  'HTTP_UNSUPPORTED_CHARSET',
  'HTTP_BODY_UNREADABLE',
];

/** The error answers of a route behind an API key that can also fail with `codes`. */
export function apiKeyErrors(...codes: ErrorCode[]): Record<number, ResponseConfig> {
  return errorResponses(...API_KEY_ERRORS, ...codes);
}

/** A record's links by name (docs/adr/0025): the target's entity and key, and `match` when the key may be an external id. */
export const recordLinks = z
  .record(z.string(), z.strictObject({ entity: z.string(), key: z.string(), match: z.string().optional() }))
  .meta({
    id: 'RecordLinks',
    description: 'Links to other records by name (`company`, `user`); empty when the mapping declares none or no source held a value.',
  });
