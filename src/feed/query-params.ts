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

/** A repeatable or comma-separated list parameter (`entity=company,order` or `entity=company&entity=order`). */
export function listParam(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return parts.flatMap((p) => String(p).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** An ISO-8601 time parameter, or undefined. */
export function timeParam(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) throw new AppError('API_BAD_REQUEST', `${name} must be an ISO-8601 time`);
  return d;
}
