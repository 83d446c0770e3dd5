import { AppError } from '../core/app-error';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Reads a `--since` / `--until` value: ISO 8601 (`2026-11-27`, `2026-11-27T10:00:00Z`) or a span back from
 * `now` (`30m`, `2h`, `7d`, `1w`).
 * @throws AppError CLI_INVALID_OPTION for anything else.
 * @example parseTimeOption('2h', new Date('2026-01-01T12:00:00Z')) // 2026-01-01T10:00:00.000Z
 */
export function parseTimeOption(value: string, now: Date, option = '--since'): Date {
  const relative = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2] ?? 's'] ?? 1000));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new AppError(
    'CLI_INVALID_OPTION',
    `${option} ${JSON.stringify(value)}: give an ISO time (2026-11-27T10:00:00Z) or a span like 30m, 2h, 7d`,
    { option, value },
  );
}

/**
 * Reads a positive whole number option (`--limit`, `--last`).
 * @throws AppError CLI_INVALID_OPTION otherwise.
 */
export function parseCountOption(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AppError('CLI_INVALID_OPTION', `${option} ${JSON.stringify(value)}: give a whole number of at least 1`, { option, value });
  return n;
}
