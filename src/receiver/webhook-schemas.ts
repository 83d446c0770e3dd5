import { z } from 'zod';
import { WEBHOOK_SECURITY } from '../auth/security-schemes';
import { RESOURCE_ACTIONS } from '../domain/envelope';
import { errorResponses, jsonResponse, type ApiRoute } from '../http/openapi-parts';
import { ENVELOPE_LIMITS } from './envelope';

/**
 * The envelope as the OpenAPI document describes it. The receiver checks it with parseEnvelope (envelope.ts), a
 * hand-written check on the hot path whose messages name the field; this schema is built from the same limits and
 * actions, and test/unit/receiver/webhook-envelope-schema.test.ts holds the two to the same verdicts.
 */
/** A key string of the envelope: not blank, at most `max` characters, no control character or lone surrogate. */
const keyText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/\S/, 'must not be blank')
    .regex(/^[^\u0000-\u001f\u007f-\u009f\p{Cs}]*$/u, 'no control characters or lone surrogates');

export const webhookEnvelope = z
  .looseObject({
    uuid: keyText(ENVELOPE_LIMITS.uuid).meta({ description: 'The delivery uuid: re-sends of one delivery share it.' }),
    timestamp: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .meta({ description: 'Epoch milliseconds; orders the versions of a resource.' }),
    resourceAction: z.enum(RESOURCE_ACTIONS),
    resource: z.looseObject({
      type: keyText(ENVELOPE_LIMITS.resourceType),
      uuid: z.union([keyText(ENVELOPE_LIMITS.resourceUuid), z.number()]),
      content: z.record(z.string(), z.unknown()).nullable().optional(),
    }),
  })
  .meta({ id: 'WebhookEnvelope', description: 'An AppDirect webhook delivery. Extra fields are kept as sent.' });

/** The answer of an accepted delivery: `duplicate` and `conflict` are answered 200 too, so AppDirect stops re-sending. */
export const webhookAccepted = z
  .strictObject({
    status: z.enum(['accepted', 'duplicate', 'conflict']).meta({
      description:
        'accepted: stored; duplicate: the same uuid and body were stored before; conflict: the same uuid with another body (kept aside, see the admin API).',
    }),
    id: z.number().int().meta({ description: 'The inbox event id (the first one for a duplicate or a conflict).' }),
  })
  .meta({ id: 'WebhookAccepted' });

/** `POST /webhooks/{source}` (webhook-router.ts). */
export const webhookRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: '/webhooks/{source}',
    operationId: 'postWebhook',
    tags: ['webhooks'],
    summary: 'Receive an AppDirect webhook delivery',
    description:
      'Commits the delivery to the inbox before answering; the worker maps it later. The source names a `sources.<name>` entry of the config, which sets the authentication mode (docs/auth.md).',
    security: WEBHOOK_SECURITY,
    request: {
      params: z.strictObject({ source: z.string().meta({ description: 'A source configured under `sources`.' }) }),
      body: { required: true, content: { 'application/json': { schema: webhookEnvelope } } },
    },
    responses: {
      200: jsonResponse(webhookAccepted, 'Stored (or already stored): the delivery is durable.'),
      ...errorResponses(
        'RECEIVER_UNKNOWN_SOURCE',
        'RECEIVER_MISSING_TOKEN',
        'RECEIVER_BAD_TOKEN',
        'AUTH_BAD_REQUEST',
        'AUTH_MISSING_TOKEN',
        'AUTH_INVALID_TOKEN',
        'AUTH_JWKS_UNAVAILABLE',
        'AUTH_RATE_LIMITED',
        'RECEIVER_MALFORMED_JSON',
        'RECEIVER_BAD_ENVELOPE',
        'RECEIVER_TOO_DEEP',
        'RECEIVER_UNSTORABLE',
        'RECEIVER_BODY_TOO_LARGE',
        'RECEIVER_UNSUPPORTED_ENCODING',
        'RECEIVER_UNSUPPORTED_CHARSET',
        'RECEIVER_BODY_UNREADABLE',
        'RECEIVER_STORE_UNAVAILABLE',
        'SERVER_INTERNAL',
      ),
    },
  },
];
