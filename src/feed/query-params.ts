import { AppError } from '../core/app-error';

/** Reads an integer query parameter within bounds, or the default; anything else is a 400 naming the parameter. */
export function intParam(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new AppError('API_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Most values of a list parameter: each becomes a bound parameter of the query. */
export const LIST_PARAM_MAX_VALUES = 100;

/**
 * A repeatable or comma-separated list parameter (`entity=company,order` or `entity=company&entity=order`).
 * At most 100 values of at most 128 characters, none a control character: PostgreSQL refuses NUL in text
 * (22021), which was a 500.
 */
export function listParam(value: unknown, name: string): string[] {
  const parts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const values = parts
    .flatMap((p) => String(p).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (values.length > LIST_PARAM_MAX_VALUES) throw new AppError('API_BAD_REQUEST', `${name} takes at most ${LIST_PARAM_MAX_VALUES} values`);
  if (values.some((v) => v.length > 128 || /[\u0000-\u001f\u007f]/.test(v))) {
    throw new AppError('API_BAD_REQUEST', `${name} values are names of at most 128 characters, without control characters`);
  }
  return values;
}

/** An ISO-8601 time parameter, or undefined. */
export function timeParam(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) throw new AppError('API_BAD_REQUEST', `${name} must be an ISO-8601 time`);
  return d;
}
