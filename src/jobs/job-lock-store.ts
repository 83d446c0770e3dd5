/**
 * Coordinates periodic jobs across instances sharing one database: a tick of a job runs on one instance only,
 * and a run never overlaps another instance's run of the same job.
 */
export interface JobLockStore {
  /**
   * Takes the job for this tick: succeeds only if no instance has run `tick` yet (when given) and no other
   * instance holds an unexpired lease. `tick` is the scheduled minute (`2026-11-27T03:17`); undefined for an
   * on-demand run, which only checks the lease.
   */
  acquire(name: string, owner: string, tick: string | undefined, leaseMs: number, now: Date): Promise<boolean>;
  /** Extends `owner`'s lease to `now + leaseMs`; false when it no longer holds the job (its lease ran out and was taken). */
  renew(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  release(name: string, owner: string, now: Date): Promise<void>;
}
