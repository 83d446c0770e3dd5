import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config-schema';
import { WORKER_THREAD_LIMITS } from '../core/heap-limits';
import type { Logger } from '../core/logger';
import { readyThread } from '../core/ready-thread';
import { threadEntry } from '../core/thread-entry';
import type { WriteGate } from '../db/write-gate';
import type { WorkerHandle } from '../worker/worker-handle';
import type { WorkerThreadData, WorkerThreadReply, WorkerThreadRequest } from './worker-thread-wire';

/** First pause before a thread that died is started again; doubled on each death in a row, up to the maximum. */
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A thread that ran this long before it died counts as healthy: the next restart is quick again. */
const HEALTHY_RUN_MS = 60_000;

/**
 * Runs the service's SyncWorker on a worker thread of its own, with its own database connection and its mapping
 * inline, so its SQL and mapping leave the thread that serves HTTP (docs/adr/0040-worker-thread.md).
 *
 * @remarks notify() is called after every intake commit: it costs one atomic exchange, and a message only when none
 * is on its way already (the thread clears the flag before acting, so no commit goes unseen). A thread that dies is
 * logged and started again with a backoff; what it had claimed is taken again as after a crash (at once on SQLite,
 * after its leases on PostgreSQL: ADR 0042), and was never acknowledged as applied. stop() lets the thread finish
 * the batch in hand and close its connection; it returns at once when no thread is running.
 */
export class ThreadedWorker implements WorkerHandle {
  onChanges: (() => void) | undefined;
  onCompleted: WorkerHandle['onCompleted'];
  private thread: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private running = false;
  private restartMs = RESTART_FIRST_MS;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Readonly<Config>,
    private readonly log: Logger,
    /** SQLite: the turns of this thread's connection and the worker thread's (src/db/write-gate.ts). */
    private readonly gate?: WriteGate,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
  }

  notify(): void {
    if (Atomics.exchange(this.flag, 0, 1) === 0) this.post({ kind: 'notify' });
  }

  wakeUp(): void {
    this.post({ kind: 'wake' });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    this.post({ kind: 'stop' });
    await this.exited;
  }

  /**
   * Ends the thread at once, as a crash would (tests of the restart); it is started again like any dead thread. Only
   * while the thread waits (idle, or on PostgreSQL's network): terminating it inside a better-sqlite3 call aborts the
   * whole process (ADR 0041).
   */
  async terminateThread(): Promise<void> {
    await this.thread?.terminate();
  }

  private post(request: WorkerThreadRequest): void {
    const thread = this.thread;
    if (!thread) {
      // No thread (between a death and its restart): the new one drains everything due when it starts.
      if (request.kind === 'notify') Atomics.store(this.flag, 0, 0);
      return;
    }
    thread.postMessage(request);
  }

  private spawn(): void {
    Atomics.store(this.flag, 0, 0);
    const workerData: WorkerThreadData = {
      config: this.config,
      notifyFlag: this.flag.buffer as SharedArrayBuffer,
      ...(this.gate ? { writeGate: this.gate.buffer } : {}),
    };
    const thread = new Worker(threadEntry(__dirname, 'worker-thread'), { eval: true, workerData, resourceLimits: WORKER_THREAD_LIMITS });
    const startedAt = Date.now();
    this.thread = thread;
    let done: () => void = () => undefined;
    this.exited = new Promise<void>((resolve) => (done = resolve));
    const ready = readyThread<WorkerThreadReply>(thread, 'worker thread', {
      message: (reply) => this.received(reply),
      error: (err) => this.log.error({ err }, 'worker thread failed'),
      exit: (code) => {
        this.thread = undefined;
        // A thread ended in its transaction still holds its turn: the serving side must not wait for it forever.
        this.gate?.releaseWorker();
        done();
        if (this.running) this.restartLater(code, Date.now() - startedAt);
      },
    });
    // The thread holds the service's work: referenced, it keeps the process alive until stop().
    ready.then(
      () => thread.ref(),
      (err: unknown) => this.log.error({ err }, 'worker thread could not start'),
    );
  }

  private restartLater(code: number, ranMs: number): void {
    if (ranMs >= HEALTHY_RUN_MS) this.restartMs = RESTART_FIRST_MS;
    this.log.error({ code, restartInMs: this.restartMs }, 'worker thread exited; starting a new one');
    this.restartTimer = setTimeout(() => {
      if (this.running) this.spawn();
    }, this.restartMs);
    this.restartMs = Math.min(RESTART_MAX_MS, this.restartMs * 2);
  }

  private received(reply: WorkerThreadReply): void {
    if (reply.kind === 'changes') this.onChanges?.();
    else if (reply.kind === 'completed') this.onCompleted?.(reply.completions, reply.events, new Date(reply.committedAt));
  }
}
