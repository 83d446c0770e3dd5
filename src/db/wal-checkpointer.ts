import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import type { Logger } from '../core/logger';
import { CHECKPOINT_THREAD_LIMITS } from '../core/heap-limits';
import { threadEntry } from '../core/thread-entry';
import { dialectOf } from './create-knex';

export interface CheckpointerThreadData {
  filename: string;
  intervalMs: number;
}

export type CheckpointerMessage = { kind: 'ready' } | { kind: 'error'; message: string };

/**
 * While the thread runs, the service's connection checkpoints only past this many pages of WAL (about 40 MB): a
 * safety net for a thread that falls behind. The thread has then copied most of those pages already.
 */
const SAFETY_NET_PAGES = 10_000;
/** SQLite's own default, restored if the thread stops. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

/**
 * Checkpoints the SQLite WAL from a thread of its own, so that no commit waits for one.
 *
 * @remarks SQLite checkpoints inside the commit that fills the WAL past `wal_autocheckpoint` pages: that commit (a
 * batch of the receiver's deliveries, or a worker batch) waits while thousands of pages are copied into the
 * database file, and a delivery's p99 with it. Here a second connection copies them every interval instead,
 * alongside the writer (WAL allows it). Only for a SQLite file; a no-op on PostgreSQL and `:memory:`. If the thread
 * cannot start or stops, checkpoints go back to the commits, as before, with an error logged. See
 * docs/adr/0010-sqlite-checkpoints-off-the-commit-path.md.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private stopping = false;

  constructor(
    private readonly db: Knex,
    private readonly filename: string | undefined,
    private readonly log: Logger,
    private readonly intervalMs = 250,
  ) {}

  /**
   * Starts the thread on a SQLite file (on PostgreSQL or in memory it does nothing); resolves once it runs (or has
   * failed, which is logged, not thrown).
   */
  async start(): Promise<void> {
    if (this.worker || dialectOf(this.db) !== 'sqlite' || !this.filename || this.filename === ':memory:') return;
    this.stopping = false;
    const worker = new Worker(threadEntry(__dirname, 'wal-checkpointer-thread'), {
      eval: true,
      workerData: { filename: this.filename, intervalMs: this.intervalMs } satisfies CheckpointerThreadData,
      resourceLimits: CHECKPOINT_THREAD_LIMITS,
    });
    // Never what keeps the process alive.
    worker.unref();
    this.worker = worker;
    let ready = false;
    let failed = false;
    const running = await new Promise<boolean>((resolve) => {
      worker.on('message', (msg: CheckpointerMessage) => {
        if (msg.kind === 'ready') {
          ready = true;
          resolve(true);
        } else this.log.error({ err: { message: msg.message } }, 'background WAL checkpoint failed');
      });
      worker.on('error', (err) => {
        failed = true;
        this.log.error({ err }, 'WAL checkpointer thread failed; checkpoints are back on commits');
        resolve(false);
      });
      worker.on('exit', (code) => {
        resolve(false);
        if (this.worker === worker) this.worker = undefined;
        if (this.stopping) return;
        // An exit without an error event (the error path logged already) is said once too.
        if (ready && !failed) this.log.error({ code }, 'WAL checkpointer thread failed (exited); checkpoints are back on commits');
        void this.setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
      });
    });
    if (running) await this.setAutocheckpoint(SAFETY_NET_PAGES);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  /** On the service's connection (knex keeps one for SQLite); a connection made anew starts at SQLite's default. */
  private async setAutocheckpoint(pages: number): Promise<void> {
    try {
      await this.db.raw(`pragma wal_autocheckpoint = ${pages}`);
    } catch (err) {
      this.log.warn({ err }, 'could not set wal_autocheckpoint');
    }
  }
}
