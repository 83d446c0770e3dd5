import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createKnex, useServingLockWaits, type Knex } from '../../src/db/create-knex';
import { waitWhileBusy } from '../../src/db/busy-wait';
import { withTransaction } from '../../src/db/transaction';

async function busyTimeout(db: Knex): Promise<number> {
  const rows = (await db.raw('pragma busy_timeout')) as { timeout: number }[];
  return rows[0]?.timeout ?? -1;
}

/** Counts how often a 10 ms interval fires while `run` is pending: a stopped event loop fires it (almost) never. */
async function ticksDuring<T>(run: () => Promise<T>): Promise<{ value: T; ticks: number; ms: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  try {
    const value = await run();
    return { value, ticks, ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

describe('SQLite lock waits (a second connection holds the write lock)', () => {
  let dir: string;
  let db: Knex;
  let other: Database.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lock-waits-'));
    db = createKnex({ client: 'sqlite', filename: join(dir, 'a.db'), pool: { max: 1 } });
    await db.raw('create table t (id integer primary key, v text not null)');
    other = new Database(join(dir, 'a.db'));
  });

  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps 5 s in the driver for tools, and the configured short wait once serving', async () => {
    assert.equal(await busyTimeout(db), 5000);
    await useServingLockWaits(db, 20);
    assert.equal(await busyTimeout(db), 20);
  });

  it('withTransaction waits for a lock released within 5 s, on timers: the event loop keeps running', async () => {
    await useServingLockWaits(db, 20);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.exec('COMMIT'), 400);
    const { ticks, ms } = await ticksDuring(() => withTransaction(db, (trx) => trx('t').insert({ v: 'a' })));
    assert.ok(ms >= 350, `committed after ${Math.round(ms)} ms, while the lock was held`);
    assert.ok(ticks >= 15, `a 10 ms timer fired ${ticks} times in ${Math.round(ms)} ms`);
    assert.equal((await db('t').count({ n: '*' }))[0]?.n, 1);
  });

  it('waitWhileBusy gives up at its deadline with the lock error, and passes other errors through at once', async () => {
    await useServingLockWaits(db, 20);
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    await assert.rejects(
      waitWhileBusy(() => db('t').insert({ v: 'b' }), started + 300),
      (err: { code?: string }) => err.code === 'SQLITE_BUSY',
    );
    const took = Date.now() - started;
    assert.ok(took >= 290 && took < 800, `gave up after ${took} ms`);
    let attempts = 0;
    await assert.rejects(
      waitWhileBusy(async () => {
        attempts++;
        throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
      }, Date.now() + 1000),
    );
    assert.equal(attempts, 1);
  });
});
