import type { Response } from 'express';

/** Runs a handler and hands what it throws to the error handler (express 4 does not await handlers). */
export function run(next: (err?: unknown) => void, body: () => Promise<void>): void {
  body().catch(next);
}

/** A full page may have a next one: its cursor is the last id (lists are newest first). */
export function nextCursor(rows: Array<{ id: number }>, limit: number): string | null {
  const last = rows[rows.length - 1];
  return rows.length === limit && last ? String(last.id) : null;
}

/** The API key that made the request (set by ApiKeyAuth), as the audit names it. */
export function actorOf(res: Response): { keyId: string; keyName: string } {
  const caller = res.locals.apiCaller as { keyId: string; keyName: string };
  return { keyId: caller.keyId, keyName: caller.keyName };
}
