import { z } from 'zod';
import { apiKeySecurity } from '../auth/security-schemes';
import { apiKeyErrors, JSON_BODY_ERRORS, jsonBody, jsonResponse, type ApiRoute } from '../http/openapi-parts';
import { EVENT_STATUSES } from '../inbox/inbox-queue';
import { adminConsumerList, auditList, conflictList, eventList, eventShow, rejectedList, requeueResult } from './admin-responses';

/** A name or uuid as stored: no control characters (PostgreSQL refuses NUL in text), at most 255 characters. */
const name = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');
/** A comma-separated list in a query (`status=failed,dead`), at most 100 values. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1).max(100));
const status = z.enum(EVENT_STATUSES);
const time = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
/** A page cursor is the id the previous page ended at, as this API returned it. */
const cursor = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a cursor returned by this API')
  .transform(Number);
const limit = (max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

/** The filters of `events list`, shared by the list query and the retry body. */
const eventFilterFields = {
  source: name.optional(),
  resource: name.optional(),
  delivery: name.optional(),
  since: time.optional(),
  until: time.optional(),
};

/** `GET /api/v1/admin/events`: filters, `limit` (1–500, default 50) and `cursor` (keyset, newest first). */
export const eventListQuery = z.strictObject({
  ...eventFilterFields,
  status: commaList(status).optional(),
  type: commaList(name).optional(),
  limit: limit(500).optional(),
  cursor: cursor.optional(),
});

/** `POST /api/v1/admin/events/retry`: ids, or a status filter narrowed by the other filters. */
export const eventRetryBody = z.strictObject({
  ...eventFilterFields,
  ids: z.array(z.number().int().positive()).min(1).max(1000).optional(),
  status: z.array(status).min(1).max(10).optional(),
  type: z.array(name).min(1).max(100).optional(),
});

/** An event id in a path. */
export const eventIdParam = z.strictObject({ id: cursor });

/** A page of the other admin lists (conflicts, rejected, audit). */
export const pageQuery = z.strictObject({ limit: limit(500).optional(), cursor: cursor.optional(), source: name.optional() });

/** An entity in a path (`/records/:entity`). */
export const entityParam = z.strictObject({ entity: name });

/** A record in a path (`/records/:entity/:key`). */
export const recordParam = z.strictObject({ entity: name, key: name });

/** A records page cursor: the base64url of the last (source, key) of the previous page, as this API returned it. */
const recordCursor = z
  .string()
  .max(2000)
  .transform((s, ctx) => {
    try {
      const [source, key] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [unknown, unknown];
      if (typeof source === 'string' && typeof key === 'string') return { source, key };
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a cursor returned by this API' });
    return z.NEVER;
  });

/** `GET /api/v1/admin/records/:entity`: `source`, `deleted`, `since` (updated since), `limit` (1–1000, default 50), `cursor`. */
export const recordListQuery = z.strictObject({
  source: name.optional(),
  deleted: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  since: time.optional(),
  limit: limit(1000).optional(),
  cursor: recordCursor.optional(),
});

/** `GET /api/v1/admin/records/:entity/:key`: the source when the key exists in several, and how many changes (1–500, default 50). */
export const recordShowQuery = z.strictObject({ source: name.optional(), limit: limit(500).optional() });

/** `POST /api/v1/admin/mappings/preview`: a delivery as AppDirect sends it, or the id of a stored event. */
export const mappingPreviewBody = z
  .strictObject({
    delivery: z.record(z.string(), z.unknown()).optional(),
    eventId: z.number().int().positive().optional(),
  })
  .refine((b) => (b.delivery === undefined) !== (b.eventId === undefined), 'give exactly one of delivery or eventId');

/** `POST /api/v1/admin/mappings/test`: only the cases whose name or file contains `filter`. */
export const mappingTestBody = z.strictObject({ filter: name.optional() });

const BASE = '/api/v1/admin';
const EVENT_ID = { params: eventIdParam };

/** The admin routes (admin-router.ts), for the OpenAPI document. */
export const adminRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: `${BASE}/events`,
    operationId: 'adminListEvents',
    summary: 'Inbox events, newest first, filtered',
    security: apiKeySecurity('admin:read'),
    request: { query: eventListQuery },
    responses: { 200: jsonResponse(eventList, 'A page of events.'), ...apiKeyErrors('API_BAD_REQUEST') },
  },
  {
    method: 'get',
    path: `${BASE}/events/{id}`,
    operationId: 'adminShowEvent',
    summary: 'One event: envelope, error detail, its record and the record’s history',
    security: apiKeySecurity('admin:read'),
    request: EVENT_ID,
    responses: {
      200: jsonResponse(eventShow, 'The event.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'EVENT_NOT_FOUND'),
    },
  },
  {
    method: 'post',
    path: `${BASE}/events/{id}/retry`,
    operationId: 'adminRetryEvent',
    summary: 'Put one failed, dead, unmapped or stale event back in the queue (audited)',
    security: apiKeySecurity('admin:write'),
    request: EVENT_ID,
    responses: {
      200: jsonResponse(requeueResult, 'What was re-queued.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'EVENT_NOT_FOUND', 'EVENT_RETRY_REFUSED', 'EVENT_PAYLOAD_PURGED'),
    },
  },
  {
    method: 'post',
    path: `${BASE}/events/retry`,
    operationId: 'adminRetryEvents',
    summary: 'Re-queue events by ids or by a status filter (audited)',
    security: apiKeySecurity('admin:write'),
    request: { body: jsonBody(eventRetryBody, 'Event ids, or a status filter narrowed by the other filters.') },
    responses: {
      200: jsonResponse(requeueResult, 'What was re-queued, refused or missing.'),
      ...apiKeyErrors('API_BAD_REQUEST', ...JSON_BODY_ERRORS),
    },
  },
  list('conflicts', 'adminListConflicts', 'Re-sends of a stored delivery uuid with another body, beside the kept one', conflictList),
  list('rejected', 'adminListRejected', 'Deliveries refused after authentication (source filter: `source`)', rejectedList),
  {
    method: 'get',
    path: `${BASE}/consumers`,
    operationId: 'adminListConsumers',
    summary: 'Feed consumers and connectors with their lag',
    security: apiKeySecurity('admin:read'),
    responses: { 200: jsonResponse(adminConsumerList, 'Every consumer.'), ...apiKeyErrors() },
  },
  list('audit', 'adminListAudit', 'Audited mutations, newest first: who, when, what', auditList),
];

function list(name: string, operationId: string, summary: string, schema: z.ZodType): ApiRoute {
  return {
    method: 'get',
    path: `${BASE}/${name}`,
    operationId,
    summary,
    security: apiKeySecurity('admin:read'),
    request: { query: pageQuery },
    responses: { 200: jsonResponse(schema, 'A page, newest first.'), ...apiKeyErrors('API_BAD_REQUEST') },
  };
}
