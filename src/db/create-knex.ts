import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config/config-schema';

export type { Knex };
export type DbClient = Config['db']['client'];

/**
 * Opens the database named by the config: better-sqlite3 (embedded default) or pg.
 *
 * @remarks SQLite runs in WAL mode with `synchronous=FULL`, so a commit that returned is on disk:
 * the receiver answers 200 only after such a commit. One connection, since SQLite has one writer anyway
 * and the receiver batches concurrent deliveries into one transaction.
 */
export function createKnex(db: Config['db']): Knex {
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
  return knex({
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
          conn.pragma('busy_timeout = 5000');
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
}

/** Which engine a knex instance talks to; the few dialect branches ask this. */
export function dialectOf(db: Knex): DbClient {
  return db.client.config.client === 'pg' ? 'pg' : 'sqlite';
}
