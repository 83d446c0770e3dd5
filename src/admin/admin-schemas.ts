import { z } from 'zod';
import { EVENT_STATUSES } from '../inbox/inbox-queue';

/** The inputs of the admin routes: each router parses with these, and admin-routes.ts documents them. */

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
  source: name.optional().meta({ description: 'Only records of this source.' }),
  deleted: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'Only deleted (true) or live (false) records.' }),
  since: time.optional().meta({ description: 'Only records updated at or after this time (with a zone).' }),
  limit: limit(1000).optional().meta({ description: 'Records per page, 1 to 1000 (default 50).' }),
  cursor: recordCursor.optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

/** `GET /api/v1/admin/records/:entity/:key`: the source when the key exists in several, and how many changes (1–500, default 50). */
export const recordShowQuery = z.strictObject({
  source: name.optional().meta({ description: 'The source, needed when the key exists in several.' }),
  limit: limit(500).optional().meta({ description: 'Changes of the history, 1 to 500 (default 50).' }),
});

/** `POST /api/v1/admin/mappings/preview`: a delivery as AppDirect sends it, or the id of a stored event. */
export const mappingPreviewBody = z
  .strictObject({
    delivery: z.record(z.string(), z.unknown()).optional().meta({ description: 'A delivery as AppDirect sends it.' }),
    eventId: z.number().int().positive().optional().meta({ description: 'A stored event, whose body is previewed.' }),
  })
  .refine((b) => (b.delivery === undefined) !== (b.eventId === undefined), 'give exactly one of delivery or eventId');

/** `POST /api/v1/admin/mappings/test`: only the cases whose name or file contains `filter`. */
export const mappingTestBody = z.strictObject({
  filter: name.optional().meta({ description: 'Only the cases whose name or file contains this.' }),
});
