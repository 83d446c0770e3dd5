import type { Knex } from 'knex';
import type { JobLockStore } from './job-lock-store';

/** JobLockStore on a `job_locks` row per job: one conditional UPDATE decides, on SQLite and PostgreSQL alike. */
export class KnexJobLockStore implements JobLockStore {
  constructor(private readonly db: Knex) {}

  async acquire(name: string, owner: string, tick: string | undefined, leaseMs: number, now: Date): Promise<boolean> {
    await this.db('job_locks').insert({ name }).onConflict('name').ignore();
    const nowIso = now.toISOString();
    let q = this.db('job_locks')
      .where('name', name)
      .andWhere((w) => w.whereNull('locked_until').orWhere('locked_until', '<', nowIso));
    if (tick !== undefined) q = q.andWhere((w) => w.whereNull('last_tick').orWhere('last_tick', '<', tick));
    const updated = await q.update({
      owner,
      locked_until: new Date(now.getTime() + leaseMs).toISOString(),
      ...(tick !== undefined ? { last_tick: tick } : {}),
      last_run_at: nowIso,
    });
    return updated === 1;
  }

  async renew(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const updated = await this.db('job_locks')
      .where({ name, owner })
      .update({ locked_until: new Date(now.getTime() + leaseMs).toISOString() });
    return updated === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db('job_locks').where({ name, owner }).update({ locked_until: null, owner: null });
  }
}
