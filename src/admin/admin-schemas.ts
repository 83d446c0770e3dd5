import { z } from 'zod';
import { AppError } from '../core/app-error';
import { EVENT_STATUSES } from '../inbox/inbox-queue';

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

/**
 * Validates a query, body or path against its schema; the first problem is a 400 API_BAD_REQUEST naming the
 * parameter, so a client knows which one to fix.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body' | 'path'): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const keys = issue && 'keys' in issue ? (issue.keys as string[]) : [];
  const param = issue && issue.path.length > 0 ? issue.path.join('.') : keys.length > 0 ? keys.join(', ') : where;
  const what = keys.length > 0 ? `unknown ${where} parameter` : (issue?.message ?? 'invalid');
  throw new AppError('API_BAD_REQUEST', `${where} parameter ${param}: ${what}`, { parameter: param });
}
