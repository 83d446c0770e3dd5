/**
 * Driver errors in the app's own terms. SQLite and PostgreSQL say the same things differently;
 * this file is the one place that knows both.
 */

/** A unique constraint was violated (SQLite `SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL `23505`). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** SQLite could not take a lock another connection holds (`SQLITE_BUSY*`, `SQLITE_LOCKED*`): worth another try. */
export function isSqliteBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string } | null)?.code ?? '');
}

/**
 * The store could not be reached or is momentarily unable to commit: the caller should answer 503
 * (receiver) or retry later (worker), never treat the data as bad.
 */
export function isStoreUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  const code = e?.code ?? '';
  if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM)/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300', '40001', '40P01'].includes(code)) return true;
  if (code.startsWith('08')) return true; // PostgreSQL connection exceptions
  return /Timeout acquiring a connection|The database connection is not open|Connection terminated/i.test(e?.message ?? '');
}

/**
 * The database refused the data itself (PostgreSQL class 22 data exception, like NUL in text or a too-long
 * value, or class 23 integrity violation; SQLite constraint, too big, mismatch): the same rows fail again on
 * every retry, so the caller should refuse them rather than answer 503 forever.
 */
export function isDataError(err: unknown): boolean {
  // A unique violation can be a race with another instance: a retry may well succeed.
  if (isUniqueViolation(err)) return false;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (/^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/.test(code)) return true;
  return /^2[23][0-9A-Z]{3}$/.test(code);
}
