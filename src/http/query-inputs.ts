import { z } from 'zod';

/**
 * Query and body pieces the downstream APIs share (feed, records), as zod schemas: the routes parse with them
 * (parse-input.ts) and the OpenAPI document describes them, so the two cannot drift apart.
 */

/** An integer query parameter from `min` to `max` (digits only: `+1`, `1e3` and `0x1` are refused). */
export function intQuery(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message))
    .meta({ description: `An integer from ${min} to ${max}.` });
}

/** Most values of a list parameter: each becomes a bound parameter of the query. */
export const LIST_PARAM_MAX_VALUES = 100;

/**
 * A repeatable or comma-separated list parameter (`entity=company,order` or `entity=company&entity=order`).
 * At most 100 values of at most 128 characters, none a control character: PostgreSQL refuses NUL in text
 * (22021), which was a 500.
 */
export const listQuery = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((p) => p.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .max(128, 'values are names of at most 128 characters')
          .regex(/^[^\u0000-\u001f\u007f]*$/, 'values must not contain control characters'),
      )
      .max(LIST_PARAM_MAX_VALUES, `takes at most ${LIST_PARAM_MAX_VALUES} values`),
  )
  .meta({ description: 'Names, comma-separated or repeated; at most 100.' });

/** An ISO-8601 time with a zone (`2026-11-27T10:00:00Z`, `…+01:00`), as a Date. */
export const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 time with a zone (2026-11-27T10:00:00Z)' })
  .transform((s) => new Date(s));
