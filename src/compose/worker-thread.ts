import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Config } from '../config/config-schema';
import { WriteGate } from '../db/write-gate';
import { Container } from './container';
import type { WireCompletedBatch, WorkerThreadData, WorkerThreadReply, WorkerThreadRequest } from './worker-thread-wire';

/**
 * The worker thread's body (started by ThreadedWorker): a composition of its own from the service's config, hence
 * its own database connection (or pool), mapping registry and logger, running the SyncWorker until told to stop.
 *
 * @remarks Mapping runs inline here (worker.mappingThread forced off): this thread takes the mapping thread's place,
 * so the service has no more isolates than before. On SQLite its connection keeps the 5 s busy_timeout of a process
 * that serves no requests: waiting for the intake's lock blocks only this thread. Migrations and views are the main
 * thread's (it ran them before starting this one).
 */
const port = parentPort as MessagePort;
if (!parentPort) throw new Error('worker-thread runs only as a worker thread');
const data = workerData as WorkerThreadData;
const flag = new Int32Array(data.notifyFlag);
const config: Readonly<Config> = { ...data.config, worker: { ...data.config.worker, mappingThread: false } };
const c = new Container(config, data.writeGate ? { writeGate: new WriteGate(data.writeGate) } : {});
const worker = c.worker;
worker.onChanges = () => port.postMessage({ kind: 'changes' } satisfies WorkerThreadReply);
worker.onCompleted = (completions, events, committedAt) => port.postMessage(compact(completions, events, committedAt));

port.on('message', (request: WorkerThreadRequest) => {
  if (request.kind === 'notify') {
    // Cleared first: a commit after this point posts a new message, one before it is covered by this one.
    Atomics.store(flag, 0, 0);
    worker.notify();
  } else if (request.kind === 'wake') worker.wakeUp();
  else void stop();
});
worker.start();
port.postMessage({ kind: 'ready' });

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    try {
      await c.close(); // the worker finishes its batch, then the connection closes
    } catch (err) {
      c.logger.error({ err }, 'worker thread stop failed');
    }
    c.logger.flush();
    port.postMessage({ kind: 'stopped' } satisfies WorkerThreadReply);
    port.close();
    // Nothing should keep the thread alive now; if something does (a keep-alive socket of the re-fetch), end it.
    setTimeout(() => process.exit(0), 1000).unref();
  })();
  return stopping;
}

function compact(
  completions: Parameters<NonNullable<typeof worker.onCompleted>>[0],
  events: Parameters<NonNullable<typeof worker.onCompleted>>[1],
  committedAt: Date,
): WireCompletedBatch {
  return {
    kind: 'completed',
    completions: completions.map(({ id, status, errorCode }) => (errorCode === undefined ? { id, status } : { id, status, errorCode })),
    events: events.map(({ id, resourceType, receivedAt }) => ({ id, resourceType, receivedAt })),
    committedAt: committedAt.getTime(),
  };
}
