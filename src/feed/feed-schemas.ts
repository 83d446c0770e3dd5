import { z } from 'zod';
import { apiKeySecurity } from '../auth/security-schemes';
import { apiKeyErrors, JSON_BODY_ERRORS, jsonBody, jsonResponse, recordLinks, type ApiRoute } from '../http/openapi-parts';
import { intQuery, isoTime, listQuery } from '../http/query-inputs';

/** The longest long-poll of the feed API, in seconds. */
export const MAX_WAIT_SECONDS = 60;

/** A cursor as this API returns it: the seq of a change, in text (0 = before the first change). */
const cursorText = z.string().regex(/^\d{1,18}$/, 'must be a cursor returned by this API');
/** A cursor in a JSON body: text as returned, or the same number. */
const cursorValue = z
  .union([cursorText, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)], { error: 'must be a cursor returned by this API' })
  .transform(Number);

/** `GET /api/v1/changes` and `GET /api/v1/consumers/{name}/changes`: page size, entity filter, long-poll. */
export const feedReadQuery = z.object({
  limit: intQuery(1, 1000).optional().meta({ description: 'Changes per page, 1 to 1000 (default 100).' }),
  entity: listQuery.optional().meta({ description: 'Only these entities (comma-separated or repeated).' }),
  wait: intQuery(0, MAX_WAIT_SECONDS)
    .optional()
    .meta({ description: 'Seconds to wait for a change when there is none (long-poll, default 0).' }),
});

/** `GET /api/v1/changes`: the read query and where to start. */
export const changesQuery = feedReadQuery.extend({
  after: cursorText.optional().meta({ description: 'The next_cursor of the previous page; absent or 0 for the beginning.' }),
});

/** A consumer name in a path. */
export const consumerParams = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits, . _ : - (at most 128)')
    .meta({ description: 'The consumer: letters, digits, . _ : - (at most 128).' }),
});

/** `POST /api/v1/consumers/{name}/ack`. */
export const ackBody = z.object({ cursor: cursorValue.meta({ description: 'The next_cursor of the batch processed.' }) });

/** `POST /api/v1/consumers/{name}/rewind`: to a cursor, or to the first change committed at or after a time. */
export const rewindBody = z.union(
  [
    z.object({ time: isoTime.meta({ description: 'Rewind to the changes committed from this time on.' }) }),
    z.object({ cursor: cursorValue }),
  ],
  { error: 'give {"cursor": "<cursor>"} or {"time": "<ISO-8601 time>"}' },
);

const change = z
  .strictObject({
    cursor: z.string().meta({ description: 'The seq of the change in commit order, as text.' }),
    source: z.string(),
    entity: z.string(),
    key: z.string(),
    kind: z.enum(['created', 'updated', 'deleted', 'restored']),
    data: z.record(z.string(), z.unknown()),
    links: recordLinks,
    event: z.strictObject({ uuid: z.string(), timestamp: z.number().int() }),
    mapping_version: z.string(),
    cause: z.enum(['event', 'remap']),
    committed_at: z.iso.datetime(),
  })
  .meta({ id: 'Change' });

const changesPage = z
  .strictObject({ changes: z.array(change), next_cursor: z.string().meta({ description: 'Pass as `after` (or ack it).' }) })
  .meta({ id: 'ChangesPage' });
const consumerChangesPage = z
  .strictObject({ ...changesPage.shape, checkpoint: z.string().meta({ description: 'The consumer’s acknowledged cursor.' }) })
  .meta({ id: 'ConsumerChangesPage' });
const checkpoint = z.strictObject({ name: z.string(), checkpoint: z.string() }).meta({ id: 'ConsumerCheckpoint' });

/** A consumer with its lag (FeedService.lag), cursors as text. */
export const consumerLagFields = {
  name: z.string(),
  cursor: z.string(),
  head: z.string().meta({ description: 'The newest change in the feed.' }),
  behind: z.number().int().meta({ description: 'Changes not acknowledged yet.' }),
  ackedAt: z.iso.datetime().nullable(),
  oldestUnackedSeconds: z.number().meta({ description: 'Age of the oldest change not acknowledged, in seconds (0 when caught up).' }),
  fellBehindRetention: z.boolean().meta({ description: 'Retention purged changes it had not acknowledged: rewind it on purpose.' }),
  purgedThrough: z.string().meta({ description: 'The oldest cursor a read may start after.' }),
};
const consumersList = z.strictObject({ consumers: z.array(z.strictObject(consumerLagFields).meta({ id: 'ConsumerLag' })) });

/** The change feed routes (feed-router.ts). */
export const feedRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/api/v1/changes',
    operationId: 'listChanges',
    tags: ['feed'],
    summary: 'Changes in commit order after a cursor',
    security: apiKeySecurity('feed:read'),
    request: { query: changesQuery },
    responses: {
      200: jsonResponse(changesPage, 'A page of changes; empty when none arrived in `wait` seconds.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'FEED_CURSOR_EXPIRED'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/consumers/{name}/changes',
    operationId: 'readConsumerChanges',
    tags: ['feed'],
    summary: "The next changes after a named consumer's checkpoint",
    description: 'A new name starts at the beginning and is bound to the API key that first used it.',
    security: apiKeySecurity('feed:read'),
    request: { params: consumerParams, query: feedReadQuery },
    responses: {
      200: jsonResponse(consumerChangesPage, 'The next batch; ack its next_cursor once processed.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'API_CONSUMER_NOT_OWNED', 'FEED_CURSOR_EXPIRED'),
    },
  },
  {
    method: 'post',
    path: '/api/v1/consumers/{name}/ack',
    operationId: 'ackConsumer',
    tags: ['feed'],
    summary: "Move a consumer's checkpoint forward",
    security: apiKeySecurity('feed:read'),
    request: { params: consumerParams, body: jsonBody(ackBody, 'The cursor processed up to.') },
    responses: {
      200: jsonResponse(checkpoint, 'The new checkpoint.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'API_CONSUMER_NOT_OWNED', ...JSON_BODY_ERRORS),
    },
  },
  {
    method: 'post',
    path: '/api/v1/consumers/{name}/rewind',
    operationId: 'rewindConsumer',
    tags: ['feed'],
    summary: 'Move a consumer back to a cursor or a time',
    security: apiKeySecurity('admin'),
    request: { params: consumerParams, body: jsonBody(rewindBody, 'A cursor, or a time.') },
    responses: {
      200: jsonResponse(checkpoint, 'The new checkpoint.'),
      ...apiKeyErrors('API_BAD_REQUEST', 'FEED_CURSOR_EXPIRED', ...JSON_BODY_ERRORS),
    },
  },
  {
    method: 'get',
    path: '/api/v1/consumers',
    operationId: 'listConsumers',
    tags: ['feed'],
    summary: 'Every consumer with its lag',
    security: apiKeySecurity('admin'),
    responses: { 200: jsonResponse(consumersList, 'The consumers, connectors among them (`connector:<name>`).'), ...apiKeyErrors() },
  },
];
