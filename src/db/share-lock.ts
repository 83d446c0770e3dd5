import type { Knex } from 'knex';
import { dialectOf } from './create-knex';

/**
 * `query` with FOR SHARE on PostgreSQL (the rows it reads stay unchanged until the transaction ends); unchanged on
 * SQLite, which runs one write transaction at a time and so gives the same order without a row lock (and on which
 * knex would warn that it has none).
 */
export function forShare<Q extends Knex.QueryBuilder>(db: Knex, query: Q): Q {
  return dialectOf(db) === 'pg' ? (query.forShare() as Q) : query;
}
