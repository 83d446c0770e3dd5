import type { z } from 'zod';
import { AppError } from '../core/app-error';

/**
 * Validates a query, body or path against its schema (the same schema the OpenAPI document describes); the first
 * problem is a 400 API_BAD_REQUEST naming the parameter, so a client knows which one to fix. An empty query
 * parameter (`?after=&limit=`, as a form or a copied example sends it) counts as absent.
 *
 * @example const { limit } = parseInput(changesQuery, req.query, 'query');
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body' | 'path'): z.output<T> {
  const result = schema.safeParse(where === 'query' ? withoutEmpty(value) : (value ?? {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const keys = issue && 'keys' in issue ? (issue.keys as string[]) : [];
  const param = issue && issue.path.length > 0 ? issue.path.join('.') : keys.length > 0 ? keys.join(', ') : undefined;
  const what = keys.length > 0 ? `unknown ${where} parameter` : (issue?.message ?? 'invalid');
  // A problem with the whole body (not one field) names the body, not a parameter.
  const subject = param === undefined ? where : `${where} parameter ${param}`;
  throw new AppError('API_BAD_REQUEST', `${subject}: ${what}`, { parameter: param ?? where });
}

/** A query without its empty parameters. */
function withoutEmpty(query: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== ''));
}
