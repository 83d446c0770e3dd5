import { Worker } from 'node:worker_threads';
import { AppError } from '../core/app-error';
import { ERROR_CODES, type ErrorCode } from '../core/error-codes';
import type { Logger } from '../core/logger';
import { readyThread } from '../core/ready-thread';
import { threadEntry } from '../core/thread-entry';
import { snapshotPage, type SnapshotPage, type SnapshotPageInput } from './snapshot-page';
import { unpackPage, type SnapshotReply, type SnapshotRequest } from './snapshot-wire';

/** Turns listed pages into deliveries (snapshotPage), here or on a thread of its own. */
export interface SnapshotPreparer {
  prepare(input: SnapshotPageInput): Promise<SnapshotPage>;
  close(): Promise<void>;
}

/** On the calling thread: tests, and the fallback when the thread cannot run. */
export class InlineSnapshotPreparer implements SnapshotPreparer {
  prepare(input: SnapshotPageInput): Promise<SnapshotPage> {
    return Promise.resolve().then(() => snapshotPage(input));
  }

  async close(): Promise<void> {}
}

interface Pending {
  input: SnapshotPageInput;
  resolve: (page: SnapshotPage) => void;
  reject: (err: Error) => void;
}

/**
 * Prepares listed pages on a worker thread: parsing a page, adapting, hashing and serializing its items take as
 * long as committing them, and the main thread also runs the worker's apply (docs/adr/0036-backfill-off-the-main-thread.md).
 *
 * @remarks The page's bytes are copied to the thread (not moved: a small response may sit in Node's shared buffer
 * pool), so a page can always be prepared again here. A thread that cannot start, or dies, is given up for good
 * with an error logged, and its pages in flight and every later one are prepared on this thread: the backfill
 * goes on, slower. An error snapshotPage throws (a page that is not JSON) comes back as the same AppError.
 */
export class ThreadedSnapshotPreparer implements SnapshotPreparer {
  private worker: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly inline = new InlineSnapshotPreparer();
  private givenUp = false;

  constructor(private readonly log: Logger) {}

  async prepare(input: SnapshotPageInput): Promise<SnapshotPage> {
    const worker = this.givenUp ? undefined : await this.started().catch((err: unknown) => this.giveUp(err));
    if (!worker) return this.inline.prepare(input);
    return new Promise<SnapshotPage>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { input, resolve, reject });
      worker.ref(); // only while a page is out: an idle thread must not keep the process alive
      worker.postMessage({ id, input } satisfies SnapshotRequest);
    });
  }

  async close(): Promise<void> {
    this.givenUp = true;
    const worker = await this.worker?.catch(() => undefined);
    this.worker = undefined;
    await worker?.terminate();
    this.redoPendingInline();
  }

  private started(): Promise<Worker> {
    if (this.worker) return this.worker;
    const worker = new Worker(threadEntry(__dirname, 'snapshot-thread'), { eval: true });
    this.worker = readyThread<SnapshotReply>(worker, 'snapshot thread', {
      message: (reply) => {
        this.settle(reply);
        if (this.pending.size === 0) worker.unref();
      },
      error: (err) => this.giveUp(err),
      exit: (code, ready) => {
        if (ready && !this.givenUp) this.giveUp(new Error(`snapshot thread exited with code ${code}`));
      },
    });
    return this.worker;
  }

  private settle(reply: SnapshotReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if ('page' in reply) p.resolve(unpackPage(reply.page));
    else p.reject(errorOf(reply.error));
  }

  private giveUp(err: unknown): undefined {
    if (!this.givenUp) this.log.error({ err }, 'snapshot thread failed; backfill prepares its pages on the main thread instead');
    this.givenUp = true;
    this.worker = undefined;
    this.redoPendingInline();
    return undefined;
  }

  private redoPendingInline(): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.inline.prepare(p.input).then(p.resolve, p.reject);
    }
  }
}

/** The thread's error as it was thrown there: an AppError keeps its code. */
function errorOf(error: { code: string | undefined; message: string }): Error {
  if (error.code !== undefined && error.code in ERROR_CODES) return new AppError(error.code as ErrorCode, error.message);
  return new Error(`snapshot thread: ${error.message}`);
}
