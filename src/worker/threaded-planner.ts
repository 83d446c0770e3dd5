import { Worker } from 'node:worker_threads';
import { AppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import { MAPPING_THREAD_LIMITS } from '../core/heap-limits';
import { readyThread } from '../core/ready-thread';
import { threadEntry } from '../core/thread-entry';
import type { ClaimedEvent } from '../inbox/inbox-queue';
import type { MappingRegistry } from '../mapping';
import { InlinePlanner, type EventPlanner } from './event-planner';
import type { EventPlan } from './plan-event';
import type { PlannerReply, PlannerRequest, PlannerThreadData } from './planner-wire';

interface Pending {
  events: ClaimedEvent[];
  resolve: (plans: EventPlan[]) => void;
  reject: (err: Error) => void;
}

/**
 * Maps on a worker thread of its own, so JSON parsing and mapping run on the second core while the worker's
 * thread applies the previous batch (see docs/adr/0009-mapping-thread.md).
 *
 * @remarks The thread loads the same mapping folder; `reload()` (wired to the registry's reloads) keeps it in step.
 * A thread that cannot start (it could not load the folder) is given up for good and mapping falls back to this
 * thread, with an error logged: the worker keeps going. A thread that dies later fails its pending batches as a
 * transient error (retried with backoff) and is started again on the next batch.
 */
export class ThreadedPlanner implements EventPlanner {
  private worker: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private fallback: InlinePlanner | undefined;
  private closed = false;

  constructor(
    private readonly mappingsDir: string,
    private readonly mappings: MappingRegistry,
    private readonly log: Logger,
  ) {}

  /** Starts the thread now (the worker does at its start), rather than when the first batch arrives. */
  async start(): Promise<void> {
    await this.thread();
  }

  async plan(events: ClaimedEvent[]): Promise<EventPlan[]> {
    if (events.length === 0) return [];
    const worker = await this.thread();
    if (!worker) return (this.fallback as InlinePlanner).plan(events);
    return new Promise<EventPlan[]>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { events, resolve, reject });
      // Referenced only while a batch is out: an idle thread must not keep the process alive, a busy one must.
      worker.ref();
      worker.postMessage({ kind: 'plan', id, events } satisfies PlannerRequest);
    });
  }

  /** Makes the thread load the mapping folder again (after the main registry reloaded it). */
  reload(): void {
    void this.worker?.then(
      (w) => w.postMessage({ kind: 'reload' } satisfies PlannerRequest),
      () => undefined,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = await this.worker?.catch(() => undefined);
    this.worker = undefined;
    await worker?.terminate();
    this.failPending(0);
  }

  /** The running thread, started if need be; undefined once mapping has fallen back to this thread. */
  private async thread(): Promise<Worker | undefined> {
    // Closed (the runtime is stopping): no new thread for a straggler batch.
    if (this.closed) this.fallback ??= new InlinePlanner(this.mappings);
    if (this.fallback) return undefined;
    try {
      return await this.started();
    } catch (err) {
      // Two batches (or start() and a batch) may be waiting on the same failed start: say it once.
      if (!this.fallback) this.log.error({ err }, 'mapping thread could not start; mapping on the worker thread instead');
      this.fallback ??= new InlinePlanner(this.mappings);
      return undefined;
    }
  }

  private started(): Promise<Worker> {
    this.worker ??= this.spawn();
    return this.worker;
  }

  private spawn(): Promise<Worker> {
    const worker = new Worker(threadEntry(__dirname, 'planner-thread'), {
      eval: true,
      workerData: { mappingsDir: this.mappingsDir } satisfies PlannerThreadData,
      resourceLimits: MAPPING_THREAD_LIMITS,
    });
    return readyThread<PlannerReply>(worker, 'mapping thread', {
      message: (reply) => {
        this.settle(reply);
        if (this.pending.size === 0) worker.unref();
      },
      error: (err) => this.log.error({ err }, 'mapping thread failed'),
      exit: (code) => {
        this.worker = undefined;
        if (!this.closed) this.failPending(code);
      },
    });
  }

  private settle(reply: PlannerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if ('error' in reply) {
      p.reject(new AppError('WORKER_MAPPING_THREAD', `mapping thread: ${reply.error.message}`));
      return;
    }
    p.resolve(reply.plans.map((w, i) => ({ ...w, event: p.events[i] as ClaimedEvent })));
  }

  private failPending(code: number): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new AppError('WORKER_MAPPING_THREAD', this.closed ? 'mapping thread closed' : `mapping thread exited with code ${code}`));
    }
  }
}
