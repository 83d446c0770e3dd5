import type { Knex } from 'knex';
import { dialectOf } from './create-knex';

/** The schema named by config `db.schema` (the knex `searchPath`), or undefined for the server's default. */
export function configuredSchema(db: Knex): string | undefined {
  if (dialectOf(db) !== 'pg') return undefined;
  const searchPath = (db.client.config as Knex.Config).searchPath;
  return typeof searchPath === 'string' ? searchPath : searchPath?.[0];
}

/**
 * Creates the configured PostgreSQL schema when it does not exist yet; nothing on SQLite.
 *
 * @remarks Must run before the first migration: with a search_path naming a missing schema, PostgreSQL
 * would create `knex_migrations` and every table in the next schema of the path instead.
 */
export async function ensureSchema(db: Knex): Promise<void> {
  const schema = configuredSchema(db);
  if (schema === undefined) return;
  await db.raw('create schema if not exists ??', [schema]);
}
