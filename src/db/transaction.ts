import type { Knex } from 'knex';
import { waitWhileBusy } from './busy-wait';

/** A transaction a service opens (withTransaction) and hands to stores; stores never open one themselves. */
export type Tx = Knex.Transaction;

/**
 * How long a transaction keeps retrying a SQLite database another process has locked: what the connection's
 * busy_timeout was before that wait moved off the event loop (docs/adr/0015-sqlite-lock-waits-off-the-event-loop.md).
 */
export const TRANSACTION_LOCK_WAIT_MS = 5000;

/**
 * Runs `fn` in one transaction: all of its writes commit together, or none do.
 *
 * @remarks On SQLite, a transaction that meets another process's lock is rolled back and run again after a pause,
 * for up to TRANSACTION_LOCK_WAIT_MS, so `fn` may run more than once: it must not act outside the database.
 */
export function withTransaction<T>(db: Knex, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return waitWhileBusy(() => db.transaction(fn), Date.now() + TRANSACTION_LOCK_WAIT_MS);
}
