import { z } from 'zod';
import { apiKeySecurity } from '../auth/security-schemes';
import { apiKeyErrors, jsonResponse, recordLinks, type ApiRoute } from '../http/openapi-parts';
import { intQuery, isoTime } from '../http/query-inputs';

/** A source name in a query: as stored, without control characters. */
const sourceName = z
  .string()
  .max(255)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters')
  .meta({ description: 'Only records of this source.' });

/** Path parameters of the records routes. */
export const entityParams = z.strictObject({
  entity: z.string().meta({ description: 'The entity a mapping writes (company, order, …).' }),
});
export const recordParams = entityParams.extend({ key: z.string().meta({ description: 'The record key (the resource uuid).' }) });

/** `GET /api/v1/records/{entity}/{key}`: `source` picks one when several sources hold the key. */
export const recordQuery = z.object({ source: sourceName.optional() });

/** `GET /api/v1/records/{entity}`: filters and keyset paging. */
export const recordListQuery = z.object({
  source: sourceName.optional(),
  updated_since: isoTime.optional().meta({ description: 'Only records updated at or after this time.' }),
  deleted: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .meta({ description: 'Only deleted (true) or live (false) records.' }),
  limit: intQuery(1, 1000).optional().meta({ description: 'Records per page, 1 to 1000 (default 100).' }),
  after: z.string().optional().meta({ description: 'The `next` of the previous page.' }),
});

/** A record as the records API shows it (snake_case, data parsed). */
export const recordJson = z
  .strictObject({
    source: z.string(),
    entity: z.string(),
    key: z.string(),
    deleted: z.boolean(),
    data: z.unknown().meta({ description: 'The mapped fields.' }),
    links: recordLinks,
    version: z.strictObject({ event_uuid: z.string(), event_timestamp: z.number().int(), action: z.enum(['ADDED', 'CHANGED', 'REMOVED']) }),
    mapping_version: z.string(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Record' });

const recordsPage = z
  .strictObject({
    records: z.array(recordJson),
    next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last.' }),
  })
  .meta({ id: 'RecordsPage' });

/** The records routes (records-router.ts). */
export const recordsRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/api/v1/records/{entity}/{key}',
    operationId: 'getRecord',
    tags: ['records'],
    summary: 'One record, deleted ones too (flagged)',
    security: apiKeySecurity('records:read'),
    request: { params: recordParams, query: recordQuery },
    responses: {
      200: jsonResponse(recordJson, 'The record.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'API_NOT_FOUND'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/records/{entity}',
    operationId: 'listRecords',
    tags: ['records'],
    summary: "A page of an entity's records, ordered by source and key",
    security: apiKeySecurity('records:read'),
    request: { params: entityParams, query: recordListQuery },
    responses: { 200: jsonResponse(recordsPage, 'A page; `next` continues it.'), ...apiKeyErrors('API_BAD_REQUEST') },
  },
];
