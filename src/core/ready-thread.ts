import type { Worker } from 'node:worker_threads';

/** What a helper thread's owner does with the thread's later life, once it is ready. */
export interface ThreadHandlers<Reply> {
  /** Every message after the `{ kind: 'ready' }` one. */
  message(reply: Reply): void;
  /** An error thrown in the thread after it was ready (before, the returned promise rejects instead). */
  error(err: Error): void;
  /** The thread ended; `ready` says whether it had been (if not, the returned promise has rejected already). */
  exit(code: number, ready: boolean): void;
}

/**
 * Waits for a freshly made helper thread to post `{ kind: 'ready' }`, and routes what it does afterwards to
 * `handlers`. Rejects if the thread fails or exits first. The mapping thread and the backfill's snapshot thread
 * start this way; the thread is unref'd, so an idle one never keeps the process alive (owners ref it while a
 * request is out).
 */
export function readyThread<Reply>(worker: Worker, name: string, handlers: ThreadHandlers<Reply>): Promise<Worker> {
  return new Promise<Worker>((resolve, reject) => {
    worker.unref();
    let ready = false;
    worker.on('message', (msg: Reply | { kind: 'ready' }) => {
      if (isReady(msg)) {
        ready = true;
        resolve(worker);
        return;
      }
      handlers.message(msg);
    });
    worker.on('error', (err) => {
      if (!ready) reject(err);
      else handlers.error(err);
    });
    worker.on('exit', (code) => {
      if (!ready) reject(new Error(`${name} exited with code ${code} before it was ready`));
      handlers.exit(code, ready);
    });
  });
}

function isReady(msg: unknown): msg is { kind: 'ready' } {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'ready';
}
