import type { ClaimedEvent, EventCompletion } from '../inbox/inbox-queue';

/** What the metrics read of a claimed event once its batch has committed: far less than the event itself. */
export type CompletedEvent = Pick<ClaimedEvent, 'id' | 'resourceType' | 'receivedAt'>;

/**
 * The sync worker as the rest of the service drives it: the receiver and the backfill wake it, the feed and the
 * metrics hear from it. SyncWorker implements it in this thread; under `serve` with `worker.thread`, a host that runs
 * the SyncWorker on a thread of its own does (src/compose/threaded-worker.ts, docs/adr/0040-worker-thread.md).
 */
export interface WorkerHandle {
  /** Called after a batch that appended changes has committed: wakes long-polling feed readers. */
  onChanges: (() => void) | undefined;
  /** Called after a batch committed, with how each event ended, the events (their type and received time) and when. */
  onCompleted: ((completions: readonly EventCompletion[], events: readonly CompletedEvent[], committedAt: Date) => void) | undefined;
  /** The intake committed deliveries: wake the worker, and bound its next claims while the intake is busy (ADR 0032). */
  notify(): void;
  /** Wake the worker without bounding its claims (a backfill's commits, which nobody waits on). */
  wakeUp(): void;
  /** Drains until stop(): back to back while there is work, otherwise on a poll interval or when woken. */
  start(): void;
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
}
