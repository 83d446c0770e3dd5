import type { Knex } from 'knex';

/** A transaction handed to stores; services never open one themselves. */
export type Tx = Knex.Transaction;

/** Runs `fn` in one transaction: all of its writes commit together, or none do. */
export function withTransaction<T>(db: Knex, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(fn);
}
