import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config/config-schema';

export type { Knex };
export type DbClient = Config['db']['client'];
/** What createKnex needs: the `db` config, where `busyTimeoutMs` may be left out (tests, tools). */
export type DbOptions = Omit<Config['db'], 'busyTimeoutMs'> & { busyTimeoutMs?: number };

/** SQLite's busy_timeout for a process that serves no requests (CLI commands, `worker`): waiting stops nobody else. */
const TOOL_BUSY_TIMEOUT_MS = 5000;
/** The busy_timeout each knex instance's connections get, changed by useServingLockWaits. */
const busyTimeouts = new WeakMap<Knex, { ms: number }>();

/**
 * Opens the database named by the config: better-sqlite3 (embedded default) or pg.
 *
 * @remarks SQLite runs in WAL mode with `synchronous=FULL`, so a commit that returned is on disk:
 * the receiver answers 200 only after such a commit. One connection, since SQLite has one writer anyway
 * and the receiver batches concurrent deliveries into one transaction. Its busy_timeout is 5 s until
 * `useServingLockWaits` shortens it for a process that serves requests.
 */
export function createKnex(db: DbOptions): Knex {
  if (db.client === 'pg') {
    return knex({
      client: 'pg',
      connection: db.url,
      // Every connection of the pool resolves unqualified table names (and knex_migrations) in this schema.
      ...(db.schema !== undefined ? { searchPath: [db.schema] } : {}),
      pool: { min: 0, max: db.pool.max },
      acquireConnectionTimeout: 10_000,
    });
  }
  if (db.filename !== ':memory:') mkdirSync(dirname(db.filename), { recursive: true });
  const busy = { ms: TOOL_BUSY_TIMEOUT_MS };
  const instance = knex({
    client: 'better-sqlite3',
    connection: { filename: db.filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        try {
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = FULL');
          conn.pragma(`busy_timeout = ${busy.ms}`);
          conn.pragma('foreign_keys = ON');
          // A statement that changes many rows inside a transaction (the worker's claim and completion) keeps a
          // statement journal to undo itself alone. On disk it spilled past 64 KB into a temporary file: a quarter
          // of the worker's write syscalls. In memory it is as large as the pages the statement touches.
          conn.pragma('temp_store = MEMORY');
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
    acquireConnectionTimeout: 10_000,
  });
  busyTimeouts.set(instance, busy);
  return instance;
}

/**
 * For a process that serves requests: SQLite's busy_timeout becomes `ms` (config `db.busyTimeoutMs`), on the open
 * connection and on any later one. A no-op on PostgreSQL.
 *
 * @remarks better-sqlite3 waits for a lock with the event loop stopped: no request, timer or health check runs
 * meanwhile. With a short busy_timeout, longer waits are asynchronous retries between attempts (`waitWhileBusy`:
 * the receiver's commit until the request's deadline, `withTransaction` for the worker). See
 * docs/adr/0015-sqlite-lock-waits-off-the-event-loop.md.
 */
export async function useServingLockWaits(db: Knex, ms: number): Promise<void> {
  const busy = busyTimeouts.get(db);
  if (!busy) return;
  busy.ms = ms;
  await db.raw(`pragma busy_timeout = ${ms}`);
}

/** Which engine a knex instance talks to; the few dialect branches ask this. */
export function dialectOf(db: Knex): DbClient {
  return db.client.config.client === 'pg' ? 'pg' : 'sqlite';
}

/**
 * Builds the implementation for the engine `db` talks to: how each stage's factory picks its SQLite or PostgreSQL
 * store, once, at composition (docs/adr/0017-stores-per-engine.md).
 * @example const store = byEngine(db, { sqlite: () => new SqliteInboxStore(db), pg: () => new PgInboxStore(db) });
 */
export function byEngine<T>(db: Knex, build: Record<DbClient, () => T>): T {
  return build[dialectOf(db)]();
}
