import type Database from 'better-sqlite3';
import type { Knex } from 'knex';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The better-sqlite3 connection a knex transaction on SQLite runs on. Only the SQLite stores call it.
 *
 * @remarks For the receiver's hot path only. knex compiles every query anew and better-sqlite3 prepares it
 * anew each time: for a batch of 50 deliveries that is about half the cost of the commit. Statements
 * prepared once per connection (see `prepared`) remove it. The statements run inside the knex transaction,
 * on its connection, so atomicity is unchanged. See docs/adr/0002-sqlite-group-commit.md.
 */
export async function sqliteConnectionOf(trx: Knex.Transaction): Promise<Database.Database> {
  return (await trx.client.acquireConnection()) as Database.Database;
}

/**
 * Runs `fn` with the SQLite connection of knex's pool (one connection, so nothing else runs on it meanwhile). For a
 * synchronous better-sqlite3 transaction on a hot path; only the SQLite stores call it.
 */
export async function withSqliteConnection<T>(db: Knex, fn: (conn: Database.Database) => T): Promise<T> {
  const conn = (await db.client.acquireConnection()) as Database.Database;
  try {
    return fn(conn);
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/** A statement prepared once per connection and reused. */
export function prepared(conn: Database.Database, sql: string): Database.Statement {
  let statements = cache.get(conn);
  if (!statements) {
    statements = new Map();
    cache.set(conn, statements);
  }
  let stmt = statements.get(sql);
  if (!stmt) {
    stmt = conn.prepare(sql);
    statements.set(sql, stmt);
  }
  return stmt;
}
