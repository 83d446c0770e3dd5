import { z } from 'zod';
import { RESOURCE_ACTIONS } from '../domain/envelope';
import { consumerLagFields } from '../feed/feed-schemas';
import { recordLinks } from '../http/openapi-parts';
import { EVENT_STATUSES } from '../inbox/inbox-queue';

/**
 * The answers of the admin API (admin-router.ts) as zod schemas, for the OpenAPI document: what EventSummary,
 * EventDetail, the record, the conflicts, rejections and audit rows look like once rendered as JSON (times as ISO text).
 */

const time = z.iso.datetime();
/** The cursor of the next page: the last id of this one, or null on the last page. */
const nextCursor = z.string().nullable().meta({ description: 'Pass as `cursor` for the next (older) page; null on the last.' });

const eventSummaryFields = {
  id: z.number().int(),
  source: z.string(),
  deliveryUuid: z.string(),
  resourceType: z.string(),
  resourceUuid: z.string(),
  action: z.string(),
  eventTimestamp: z.number().int(),
  status: z.enum(EVENT_STATUSES),
  attempts: z.number().int(),
  errorCode: z.string().nullable().meta({ description: 'A code of docs/errors.md when the event failed.' }),
  receivedAt: time,
  processedAt: time.nullable(),
};
const eventSummary = z.strictObject(eventSummaryFields).meta({ id: 'AdminEventSummary' });

const eventDetail = z
  .strictObject({
    ...eventSummaryFields,
    principal: z.string(),
    errorDetail: z.unknown().meta({ description: 'The failure: mapping file, field, source path, message.' }),
    mappingVersion: z.string().nullable(),
    nextAttemptAt: time.nullable(),
    leaseUntil: time.nullable(),
    payloadPurgedAt: time.nullable(),
    body: z.string().nullable().meta({ description: 'The delivery as received; null once retention purged it.' }),
    conflicts: z.strictObject({ count: z.number().int(), lastReceivedAt: time.nullable() }).optional(),
  })
  .meta({ id: 'AdminEventDetail' });

const version = z.strictObject({ timestamp: z.number().int(), action: z.enum(RESOURCE_ACTIONS), uuid: z.string() });
const storedRecord = z
  .strictObject({
    source: z.string(),
    entity: z.string(),
    key: z.string(),
    deleted: z.boolean(),
    data: z.unknown(),
    links: recordLinks,
    rawContent: z.unknown().meta({ description: 'The resource content as received, dropped paths removed; null when not kept.' }),
    version,
    dataVersion: version.nullable(),
    mappingVersion: z.string(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'AdminRecord' });

const recordChange = z
  .strictObject({
    seq: z.number().int(),
    kind: z.string(),
    cause: z.string(),
    inboxEventId: z.number().int().nullable(),
    eventUuid: z.string(),
    eventTimestamp: z.number().int(),
    mappingVersion: z.string(),
    createdAt: time,
    data: z.unknown(),
    links: recordLinks,
  })
  .meta({ id: 'AdminRecordChange' });

export const eventList = z.strictObject({ events: z.array(eventSummary), nextCursor });
export const eventShow = z.strictObject({
  event: eventDetail,
  record: storedRecord.nullable().meta({ description: 'The record the event changed, if any.' }),
  history: z.array(recordChange).meta({ description: "The record's changes, newest first (at most 50)." }),
});

const ids = z.array(z.number().int());
export const requeueResult = z
  .strictObject({ requeued: ids, refusedDone: ids, refusedPurged: ids, alreadyQueued: ids, missing: ids })
  .meta({ id: 'AdminRequeueResult' });

const conflict = z
  .strictObject({
    id: z.number().int(),
    source: z.string(),
    deliveryUuid: z.string(),
    principal: z.string(),
    receivedAt: time,
    bodySha256: z.string(),
    body: z.string(),
    kept: z.strictObject({
      eventId: z.number().int(),
      status: z.string(),
      resourceType: z.string(),
      resourceUuid: z.string(),
      receivedAt: time,
      bodySha256: z.string(),
      body: z.string().nullable(),
    }),
  })
  .meta({ id: 'AdminConflict' });
export const conflictList = z.strictObject({ conflicts: z.array(conflict), nextCursor });

const rejected = z
  .strictObject({
    id: z.number().int(),
    source: z.string(),
    principal: z.string(),
    statusCode: z.number().int(),
    errorCode: z.string(),
    message: z.string(),
    requestId: z.string(),
    remoteAddress: z.string().nullable(),
    bodyBytes: z.number().int().nullable(),
    bodyExcerpt: z.string().nullable(),
    receivedAt: time,
  })
  .meta({ id: 'AdminRejectedDelivery' });
export const rejectedList = z.strictObject({ rejected: z.array(rejected), nextCursor });

/** The admin view of a consumer: its lag with cursors as numbers, and the connector it belongs to. */
export const adminConsumerList = z.strictObject({
  consumers: z.array(
    z
      .strictObject({
        ...consumerLagFields,
        cursor: z.number().int(),
        head: z.number().int(),
        purgedThrough: z.number().int(),
        connector: z.string().nullable().meta({ description: 'The connector reading as `connector:<name>`, or null.' }),
      })
      .meta({ id: 'AdminConsumer' }),
  ),
});

const auditRow = z
  .strictObject({
    id: z.number().int(),
    at: time,
    actor: z.strictObject({ keyId: z.string(), keyName: z.string() }),
    route: z.string(),
    request: z.record(z.string(), z.unknown()),
    affected: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AdminAuditEntry' });
export const auditList = z.strictObject({ audit: z.array(auditRow), nextCursor });

/** `GET /api/v1/admin`: the admin API's routes, in express's `:param` notation, and where they are described. */
export const adminIndex = z
  .strictObject({ endpoints: z.array(z.string()).meta({ description: '`METHOD /path` of each admin route.' }), docs: z.string() })
  .meta({ id: 'AdminIndex' });

/** A connector as `connectors list --json` shows it (src/connectors/connector-status.ts), with the last run here. */
const connectorStatus = z
  .strictObject({
    name: z.string(),
    type: z.enum(['http', 'file', 'database', 'hubspot', 'salesforce']),
    enabled: z.boolean(),
    schedule: z.string().nullable().meta({ description: 'Its cron schedule; null when it runs on demand only.' }),
    checkpoint: z.number().int().meta({ description: "Its consumer's cursor (0 when it never ran)." }),
    head: z.number().int(),
    behind: z.number().int(),
    oldestUnackedSeconds: z.number().nullable(),
    ackedAt: time.nullable().meta({ description: 'When it last moved its checkpoint (from the database).' }),
    fellBehindRetention: z.boolean(),
    parked: z.number().int().optional().meta({ description: 'Changes its destination refused that wait for retry or skip.' }),
    lastRun: z
      .strictObject({
        status: z.enum(['ok', 'failed', 'skipped']),
        delivered: z.number().int(),
        finishedAt: time,
        error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
      })
      .nullable()
      .meta({ description: 'The last run in this process; null when it has not run here (it may run on another instance).' }),
  })
  .meta({ id: 'AdminConnector' });
export const connectorList = z.strictObject({ connectors: z.array(connectorStatus) });

/** `GET /api/v1/admin/records/{entity}`: a page ordered by source and key. */
export const adminRecordList = z.strictObject({
  records: z.array(storedRecord),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
});

/** `GET /api/v1/admin/records/{entity}/{key}`: the record and its changes, newest first. */
export const adminRecordShow = z.strictObject({
  record: storedRecord,
  history: z.array(recordChange).meta({ description: "The record's changes, newest first (`limit`, default 50)." }),
});
