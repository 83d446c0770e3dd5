import { z } from 'zod';
import { apiKeySecurity } from '../auth/security-schemes';
import { apiKeyErrors, JSON_BODY_ERRORS, jsonBody, jsonResponse, type ApiRoute } from '../http/openapi-parts';

const BASE = '/api/v1/admin/connectors/{name}/failures';

const connectorName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a configured connector name')
  .meta({ description: 'The connector, as named under `connectors` in the config.' });
const id = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be an id returned by this API')
  .transform(Number)
  .meta({ description: 'The parked change’s id, as a list returned it.' });

/** `/connectors/:name/failures`. */
export const failuresPath = z.strictObject({ name: connectorName });
/** `/connectors/:name/failures/:id`. */
export const failurePath = z.strictObject({ name: connectorName, id });
/** `GET …/failures`: a state (parked by default), a page size and the id the previous page ended at. */
export const failureListQuery = z.strictObject({
  state: z.enum(['parked', 'retried', 'skipped', 'all']).optional().meta({ description: 'Default parked.' }),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .optional()
    .meta({ description: '1–500, default 50.' }),
  cursor: id.optional().meta({ description: 'The nextCursor of the previous page (oldest first).' }),
});
/** `POST …/retry`: `force` re-sends a change a later state of its record superseded. */
export const failureRetryBody = z.strictObject({ force: z.boolean().optional() });

const failure = z
  .strictObject({
    id: z.number().int(),
    connector: z.string(),
    cursor: z.string().meta({ description: 'The change’s feed cursor.' }),
    source: z.string(),
    entity: z.string(),
    key: z.string(),
    kind: z.string(),
    state: z.enum(['parked', 'retried', 'skipped']),
    code: z.string().meta({ description: 'CONNECTOR_REFUSED, CONNECTOR_OUTPUT_MAPPING_FAILED or CONNECTOR_ROW_REFUSED.' }),
    status: z.number().int().nullable().meta({ description: 'The destination’s HTTP status, when it answered one.' }),
    response: z.string().nullable().meta({ description: 'The start of its answer (4 KiB at most, credentials redacted).' }),
    message: z.string(),
    attempts: z.number().int(),
    firstFailedAt: z.string(),
    lastFailedAt: z.string(),
    resolvedAt: z.string().nullable(),
    supersededBy: z.string().nullable().meta({ description: 'The cursor of a later change of the record already delivered.' }),
    data: z.unknown().meta({ description: 'The record data of the change.' }),
  })
  .meta({ id: 'ConnectorFailure' });
const failureList = z.strictObject({ failures: z.array(failure), nextCursor: z.string().nullable() });
const failureOne = z.strictObject({ failure });
const resolution = z.strictObject({
  failure,
  checkpoint: z.string().nullable().meta({ description: 'Set when the connector had stopped at the change and now goes on after it.' }),
});

/** The parked-changes routes of the admin API (connector-failures-router.ts), for the OpenAPI document. */
export const connectorFailuresRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: BASE,
    operationId: 'adminListConnectorFailures',
    summary: 'Changes a connector’s destination refused for good (parked), oldest first',
    security: apiKeySecurity('admin:read'),
    request: { params: failuresPath, query: failureListQuery },
    responses: { 200: jsonResponse(failureList, 'A page of parked changes.'), ...apiKeyErrors('API_BAD_REQUEST', 'CONNECTOR_NOT_FOUND') },
  },
  {
    method: 'get',
    path: `${BASE}/{id}`,
    operationId: 'adminShowConnectorFailure',
    summary: 'One parked change: status, answer, attempts, data',
    security: apiKeySecurity('admin:read'),
    request: { params: failurePath },
    responses: {
      200: jsonResponse(failureOne, 'The parked change.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'CONNECTOR_NOT_FOUND', 'CONNECTOR_FAILURE_NOT_FOUND'),
    },
  },
  {
    method: 'post',
    path: `${BASE}/{id}/retry`,
    operationId: 'adminRetryConnectorFailure',
    summary: 'Send a parked change again (audited)',
    security: apiKeySecurity('admin:write'),
    request: { params: failurePath, body: jsonBody(failureRetryBody, '`{}`, or `{"force": true}` for a superseded change.') },
    responses: {
      200: jsonResponse(resolution, 'The change was taken.'),
      ...apiKeyErrors(
        'API_BAD_REQUEST',
        'CONNECTOR_NOT_FOUND',
        'CONNECTOR_FAILURE_NOT_FOUND',
        'CONNECTOR_FAILURE_RESOLVED',
        'CONNECTOR_FAILURE_SUPERSEDED',
        'CONNECTOR_BUSY',
        'CONNECTOR_RESEND_UNSUPPORTED',
        'CONNECTOR_REFUSED',
        'CONNECTOR_DELIVERY_FAILED',
        'CONNECTOR_AUTH_FAILED',
        'CONNECTOR_ROW_REFUSED',
        'CONNECTOR_DESTINATION_FAILED',
        'CONNECTOR_OUTPUT_MAPPING_FAILED',
        ...JSON_BODY_ERRORS,
      ),
    },
  },
  {
    method: 'post',
    path: `${BASE}/{id}/skip`,
    operationId: 'adminSkipConnectorFailure',
    summary: 'Drop a parked change for good (audited)',
    security: apiKeySecurity('admin:write'),
    request: { params: failurePath },
    responses: {
      200: jsonResponse(resolution, 'The change is skipped.'),
      ...apiKeyErrors(
        'API_BAD_REQUEST',
        'CONNECTOR_NOT_FOUND',
        'CONNECTOR_FAILURE_NOT_FOUND',
        'CONNECTOR_FAILURE_RESOLVED',
        'CONNECTOR_BUSY',
      ),
    },
  },
];
