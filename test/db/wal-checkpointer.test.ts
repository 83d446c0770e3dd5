import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { CHECKPOINT_THREAD_LIMITS } from '../../src/core/heap-limits';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { WalCheckpointer } from '../../src/db/wal-checkpointer';

const silent = pino({ level: 'silent' });

/** Resolves once `check` holds, polling; fails after `ms` (a deadline for a background thread, not a timing). */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function autocheckpoint(db: Knex): Promise<number> {
  const rows = (await db.raw('pragma wal_autocheckpoint')) as { wal_autocheckpoint: number }[];
  return rows[0]?.wal_autocheckpoint ?? -1;
}

describe('WAL checkpointer (SQLite)', () => {
  let dir: string;
  let db: Knex;
  let checkpointer: WalCheckpointer | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wal-ckpt-'));
    db = createKnex({ client: 'sqlite', filename: join(dir, 'a.db'), pool: { max: 1 } } as never);
    await db.raw('create table t (id integer primary key, v text not null)');
  });

  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file from its own thread, while the writer never checkpoints', async () => {
    const file = join(dir, 'a.db');
    checkpointer = new WalCheckpointer(db, file, silent, 20);
    await checkpointer.start();
    assert.equal(await autocheckpoint(db), 10_000, 'the connection keeps only a safety net');
    const thread = (checkpointer as unknown as { worker: Worker }).worker;
    assert.equal(thread.resourceLimits?.maxOldGenerationSizeMb, CHECKPOINT_THREAD_LIMITS.maxOldGenerationSizeMb, 'a small heap (ADR 0039)');
    // Writes that stay below the safety net: without the thread they would sit in the WAL only.
    const before = statSync(file).size;
    await db.transaction(async (trx) => {
      for (let i = 0; i < 400; i++) await trx('t').insert({ v: 'x'.repeat(2000) });
    });
    await eventually(() => statSync(file).size > before + 400 * 2000, 'the database file grew by the rows written');
  });

  it('gives checkpoints back to the commits, with an error logged, when the thread cannot open the file', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    checkpointer = new WalCheckpointer(db, join(dir, 'missing.db'), log, 20);
    await checkpointer.start();
    assert.equal(lines.filter((l) => l.includes('WAL checkpointer thread failed')).length, 1);
    await eventually(async () => (await autocheckpoint(db)) === 1_000, 'SQLite default autocheckpoint');
  });

  it('gives checkpoints back to the commits, with an error logged, when a running thread stops', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    checkpointer = new WalCheckpointer(db, join(dir, 'a.db'), log, 20);
    await checkpointer.start();
    assert.equal(await autocheckpoint(db), 10_000);
    await (checkpointer as unknown as { worker: Worker }).worker.terminate();
    await eventually(async () => (await autocheckpoint(db)) === 1_000, 'SQLite default autocheckpoint after the thread stopped');
    assert.equal(lines.filter((l) => l.includes('WAL checkpointer thread failed')).length, 1);
  });

  it('does nothing for an in-memory database or without a file name', async () => {
    for (const name of [':memory:', undefined]) {
      const c = new WalCheckpointer(db, name, silent, 20);
      await c.start();
      assert.equal(await autocheckpoint(db), 1_000);
      await c.stop();
    }
  });
});
