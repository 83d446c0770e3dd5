import knex, { type Knex } from 'knex';

/** The engines a database connector writes to. */
export type DestinationClient = 'pg' | 'mysql';

/** Where a database connector writes: another database than the service's own. */
export interface DestinationOptions {
  client: DestinationClient;
  /** postgres://user@host:5432/db or mysql://user@host:3306/db. */
  url: string;
  /** Given apart from the URL, so it can come from a `_FILE` secret. */
  password?: string;
  /** PostgreSQL: the schema the tables live in (created when missing). */
  schema?: string;
}

/**
 * Opens a destination database for a database connector: pg, or mysql2 for MySQL and MariaDB.
 * @remarks MySQL sessions run in UTC (`timezone: 'Z'`), so a datetime written as a JS Date is stored as the UTC
 * instant the record holds; PostgreSQL stores timestamptz, which needs no such care.
 */
export function createDestinationKnex(options: DestinationOptions): Knex {
  if (options.client === 'pg') {
    const connection: Knex.PgConnectionConfig = { connectionString: options.url };
    if (options.password !== undefined) connection.password = options.password;
    return knex({
      client: 'pg',
      connection,
      ...(options.schema !== undefined ? { searchPath: [options.schema] } : {}),
      pool: { min: 0, max: 4 },
      acquireConnectionTimeout: 10_000,
    });
  }
  const url = new URL(options.url);
  return knex({
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: url.port === '' ? 3306 : Number(url.port),
      user: decodeURIComponent(url.username),
      password: options.password ?? decodeURIComponent(url.password),
      database: url.pathname.replace(/^\//, ''),
      timezone: 'Z',
      // Exact decimals come back as text, never as a float.
      decimalNumbers: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
    },
    pool: { min: 0, max: 4 },
    acquireConnectionTimeout: 10_000,
  });
}

/** Creates the PostgreSQL schema of a destination when it is missing. */
export async function ensureDestinationSchema(db: Knex, options: DestinationOptions): Promise<void> {
  if (options.client === 'pg' && options.schema !== undefined) await db.raw('create schema if not exists ??', [options.schema]);
}
