import type { Config } from '../config/config-schema';
import type { EventCompletion } from '../inbox/inbox-queue';

/** What the worker thread starts from: the service's config, and the flag that coalesces the intake's notifications. */
export interface WorkerThreadData {
  config: Readonly<Config>;
  /** One Int32: 1 while a `notify` message is on its way to the thread; the thread clears it before acting on it. */
  notifyFlag: SharedArrayBuffer;
  /** SQLite: the buffer of the WriteGate this thread's connection takes turns at with the serving thread's. */
  writeGate?: SharedArrayBuffer;
}

/** Main thread → worker thread. */
export type WorkerThreadRequest = { kind: 'notify' } | { kind: 'wake' } | { kind: 'stop' };

/**
 * One committed batch, as the metrics need it: per completion its id, status and code, and the claimed events' type
 * and received time (not their bodies), side by side.
 */
export interface WireCompletedBatch {
  kind: 'completed';
  completions: Pick<EventCompletion, 'id' | 'status' | 'errorCode'>[];
  events: { id: number; resourceType: string; receivedAt: number }[];
  committedAt: number;
}

/** Worker thread → main thread, after `{ kind: 'ready' }`. */
export type WorkerThreadReply = { kind: 'changes' } | WireCompletedBatch | { kind: 'stopped' };
