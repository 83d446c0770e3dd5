import type { z } from 'zod';
import { apiKeySecurity } from '../auth/security-schemes';
import type { ErrorCode } from '../core/error-codes';
import { apiKeyErrors, JSON_BODY_ERRORS, jsonBody, jsonResponse, type ApiRoute } from '../http/openapi-parts';
import { mappingPreview, mappingTestRun } from './admin-mappings-responses';
import {
  adminConsumerList,
  adminIndex,
  adminRecordList,
  adminRecordShow,
  auditList,
  conflictList,
  connectorList,
  eventList,
  eventShow,
  rejectedList,
  requeueResult,
} from './admin-responses';
import {
  entityParam,
  eventIdParam,
  eventListQuery,
  eventRetryBody,
  mappingPreviewBody,
  mappingTestBody,
  pageQuery,
  recordListQuery,
  recordParam,
  recordShowQuery,
} from './admin-schemas';

const BASE = '/api/v1/admin';
const EVENT_ID = { params: eventIdParam };
/**
 * What express.raw answers for a body it cannot read (admin-mappings-router.ts reads preview and test bodies raw,
 * to check their depth before parsing; malformed or too deep JSON is API_BAD_REQUEST, and raw checks no charset).
 */
const RAW_BODY_ERRORS: ErrorCode[] = ['HTTP_BODY_TOO_LARGE', 'HTTP_UNSUPPORTED_ENCODING', 'HTTP_BODY_UNREADABLE'];

/** The admin routes (admin-router.ts), for the OpenAPI document. */
export const adminRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: BASE,
    operationId: 'adminIndex',
    summary: 'The admin routes',
    security: apiKeySecurity('admin:read'),
    responses: { 200: jsonResponse(adminIndex, 'Every admin route.'), ...apiKeyErrors() },
  },
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
  {
    method: 'get',
    path: `${BASE}/connectors`,
    operationId: 'adminListConnectors',
    summary: 'Configured connectors with their lag and their last run in this process',
    security: apiKeySecurity('admin:read'),
    responses: { 200: jsonResponse(connectorList, 'Every configured connector.'), ...apiKeyErrors() },
  },
  {
    method: 'get',
    path: `${BASE}/records/{entity}`,
    operationId: 'adminListRecords',
    summary: "A page of an entity's records, deleted ones too, ordered by source and key",
    security: apiKeySecurity('admin:read'),
    request: { params: entityParam, query: recordListQuery },
    responses: { 200: jsonResponse(adminRecordList, 'A page; `nextCursor` continues it.'), ...apiKeyErrors('API_BAD_REQUEST') },
  },
  {
    method: 'get',
    path: `${BASE}/records/{entity}/{key}`,
    operationId: 'adminShowRecord',
    summary: 'One record and its versions, newest first, each with the change and the event that made it',
    security: apiKeySecurity('admin:read'),
    request: { params: recordParam, query: recordShowQuery },
    responses: {
      200: jsonResponse(adminRecordShow, 'The record and its history.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'API_NOT_FOUND'),
    },
  },
  {
    method: 'post',
    path: `${BASE}/mappings/preview`,
    operationId: 'adminPreviewMapping',
    summary: 'What a delivery (or a stored event) maps to with the live mappings; nothing is stored',
    description: 'The body is at most `server.bodyLimitBytes` and `receiver.maxDepth` levels deep (checked before parsing).',
    security: apiKeySecurity('admin:read'),
    request: { body: jsonBody(mappingPreviewBody, 'Exactly one of `delivery` or `eventId`.') },
    responses: {
      200: jsonResponse(mappingPreview, 'The normalized record, or the issues with their file, field and path.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'EVENT_NOT_FOUND', 'EVENT_PAYLOAD_PURGED', ...RAW_BODY_ERRORS),
    },
  },
  {
    method: 'post',
    path: `${BASE}/mappings/test`,
    operationId: 'adminTestMappings',
    summary: 'Run the test cases of the mappings folder',
    security: apiKeySecurity('admin:read'),
    request: { body: jsonBody(mappingTestBody, 'An optional filter; an empty body runs every case.', false) },
    responses: {
      200: jsonResponse(mappingTestRun, 'Each case passed or failed, and the files that do not load.'),
      ...apiKeyErrors('API_BAD_REQUEST', ...RAW_BODY_ERRORS),
    },
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
