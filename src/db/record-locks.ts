import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { dialectOf } from './create-knex';

/**
 * Serializes workers that apply events to the same records, on PostgreSQL. Claims (FOR UPDATE SKIP LOCKED) give
 * each worker different events, but two events of one record can still sit in two workers' batches; without a
 * lock both would read the same old state, and the later commit would win whatever the versions say. A row lock
 * is not enough: a record that does not exist yet has no row to lock. So every record of the batch gets a
 * transaction-scoped advisory lock on a 64-bit hash of its identity, taken in ascending order so that two workers
 * can never wait on each other in a cycle. SQLite has one writer at a time; there it does nothing.
 */
export async function lockRecords(trx: Knex.Transaction, identities: string[]): Promise<void> {
  if (dialectOf(trx) !== 'pg' || identities.length === 0) return;
  const keys = [...new Set(identities.map(lockKey))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  // OFFSET 0 keeps the sorted subquery from being flattened, so the locks are taken in that order.
  await trx.raw('select pg_advisory_xact_lock(k) from (select k from unnest(?::bigint[]) as k order by k offset 0) as ordered', [keys]);
}

function lockKey(identity: string): string {
  return createHash('sha256').update(identity).digest().readBigInt64BE(0).toString();
}
