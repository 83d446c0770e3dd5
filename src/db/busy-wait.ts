import { setTimeout as sleep } from 'node:timers/promises';
import { isSqliteBusy } from './db-errors';

/** Pauses between attempts at a locked SQLite database: short at first (most locks are one commit long), then 100 ms. */
const PAUSES_MS = [5, 10, 20, 40, 80, 100];

/**
 * Runs `attempt` until it no longer fails with SQLite's "database is locked", pausing with timers in between, or
 * until `deadline` (epoch ms) would pass; then the last lock error is thrown. Any other error is thrown at once.
 *
 * @remarks better-sqlite3 is synchronous: its own `busy_timeout` waits with the whole event loop stopped, so the
 * connection's is kept short (`db.busyTimeoutMs`) and longer waits happen here, between attempts, while every other
 * request is served. `attempt` must be safe to run again after a lock error: a whole transaction, which SQLite
 * rolled back. At least one attempt is always made. See docs/adr/0015-sqlite-lock-waits-off-the-event-loop.md.
 * @example await waitWhileBusy(() => acceptOnSqlite(conn, batch), Date.now() + 9000)
 */
export async function waitWhileBusy<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      const pause = PAUSES_MS[Math.min(i, PAUSES_MS.length - 1)] as number;
      const left = deadline - Date.now();
      if (left <= 0) throw err;
      await sleep(Math.min(pause, left));
    }
  }
}
