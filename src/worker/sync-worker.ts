import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { isDataError, isStoreUnavailable } from '../db/db-errors';
import { withTransaction } from '../db/transaction';
import type { Knex } from 'knex';
import type { ClaimedEvent, EventCompletion, InboxQueue } from '../inbox/inbox-queue';
import type { MappingRegistry } from '../mapping';
import { applyEvent, type RecordState } from '../records/apply-event';
import { refKey, type RecordWrite, type RecordWriter } from '../records/record-store';
import { InlinePlanner, type EventPlanner } from './event-planner';
import { unstorableCompletion } from './event-failure';
import { logBatchOutcomes, logBatchRetried } from './outcome-log';
import type { EventPlan } from './plan-event';
import type { ContentCompleter } from './resource-refetcher';
import { completeThenPlan, type RefetchStepDeps } from './refetch-step';
import { addResult, emptyResult, type TickResult } from './tick-result';
import { AdaptiveBatchBound } from './adaptive-batch-bound';
import type { WorkerHandle } from './worker-handle';

export interface SyncWorkerOptions {
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  idleDelayMs: number;
  /**
   * While this process's intake is busy, claim so few events that an apply transaction lasts about this long; 0: always
   * batchSize (see AdaptiveBatchBound, ADR 0032).
   */
  busyTransactionMs?: number;
}

/** Batches claimed ahead of the one being applied: while one is applied, the next is being mapped. */
const PIPELINE_DEPTH = 2;

/** A claimed batch and its plans, being made (possibly on the mapping thread). */
interface PlannedBatch {
  events: ClaimedEvent[];
  plans: Promise<EventPlan[]>;
  /** Events already given back for a later attempt before mapping (a failed re-fetch). */
  givenBack: number;
}

/**
 * The one orchestrator: claim → map → apply to records + append changes + complete the events, in one
 * transaction per batch.
 *
 * @remarks A crash anywhere leaves a batch all applied or not at all: on PostgreSQL its leases run out and the
 * events come back under a new ticket, which the old ticket can no longer complete (stillHeld); on SQLite a claim
 * leases nothing and the apply transaction applies only events still waiting (ADR 0042). Either way nothing is
 * applied twice. What one event's mapping or serialization throws is that event's failure (`failed`, see planEvent); only
 * what fails the batch itself (the database, the mapping thread dying) gives the whole batch back for a later
 * attempt with backoff and jitter; after maxAttempts an event is `dead`.
 */
export class SyncWorker implements WorkerHandle {
  /** Called after a batch that appended changes has committed: wakes long-polling feed readers. */
  onChanges: (() => void) | undefined;
  /** Completes content-less deliveries by a GET of resource.url before mapping (set at composition when configured). */
  completer: ContentCompleter | undefined;
  /**
   * Called after a batch committed, with how each event ended, the claimed events (their type and received time,
   * for the metrics' mapping failures and apply lag) and the time of the commit.
   */
  onCompleted: WorkerHandle['onCompleted'];
  private running = false;
  /** Set by stop(): drain() then claims nothing more and finishes what it holds. */
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly bound: AdaptiveBatchBound;

  constructor(
    private readonly db: Knex,
    private readonly queue: InboxQueue,
    private readonly records: RecordWriter,
    mappings: MappingRegistry,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SyncWorkerOptions,
    private readonly planner: EventPlanner = new InlinePlanner(mappings),
    private readonly random: () => number = Math.random,
  ) {
    this.bound = new AdaptiveBatchBound(options.batchSize, options.busyTransactionMs ?? 0);
  }

  /** Claims and processes one batch, without claiming ahead. Callable without the loop (tests, `events retry --now`, `remap`). */
  async tick(): Promise<TickResult> {
    const events = await this.queue.claim(this.options.batchSize, this.options.leaseMs, this.clock.now());
    const { result } = await this.process(this.planned(events));
    return result;
  }

  /**
   * Processes every due event, batch after batch, and returns the totals. Each batch's transaction also claims the
   * batch after next, so a batch costs one commit, and a batch's mapping runs while the one before it is applied.
   * Stops early once stop() is called, after applying what it had claimed.
   */
  async drain(onBatch?: (totals: TickResult) => void): Promise<TickResult> {
    const totals = emptyResult(0);
    const inFlight: PlannedBatch[] = [];
    // What this drain claimed and has not applied yet: a claim that leases nothing (SQLite) must not take it again.
    const inHand = new Set<number>();
    const take = (events: ClaimedEvent[]) => {
      for (const e of events) inHand.add(e.id);
      inFlight.push(this.planned(events));
    };
    for (let i = 0; i < PIPELINE_DEPTH; i++) {
      const batch = await this.queue.claim(this.bound.size(), this.options.leaseMs, this.clock.now(), undefined, inHand);
      if (batch.length === 0) break;
      take(batch);
    }
    for (let batch = inFlight.shift(); batch; batch = inFlight.shift()) {
      const { result, next } = await this.process(batch, this.stopping ? undefined : inHand);
      for (const e of batch.events) inHand.delete(e.id);
      addResult(totals, result);
      if (next.length > 0) take(next);
      onBatch?.(totals);
    }
    return totals;
  }

  /** Drains until stop(): back to back while there is work, otherwise every idleDelayMs or when notified. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = (async () => {
      await this.planner.start();
      while (this.running) {
        let claimed = 0;
        try {
          claimed = (await this.drain()).claimed;
        } catch (err) {
          // A busy or unreachable database is a passing state the next tick retries; anything else is a bug.
          if (isStoreUnavailable(err))
            this.log.warn({ err: { code: (err as { code?: string }).code } }, 'worker tick failed, store unavailable');
          else this.log.error({ err }, 'worker tick failed');
        }
        if (claimed === 0 && this.running) await this.idle();
      }
    })();
  }

  /**
   * Wakes an idle worker: the receiver calls it after a commit so new events are applied at once. It also tells the
   * worker that the intake is busy, which bounds its next claims (busyTransactionMs).
   */
  notify(): void {
    this.bound.intakeCommitted();
    this.wakeUp();
  }

  /**
   * Wakes an idle worker without bounding its claims: for intake nobody waits on, a backfill's commits. Bounding
   * those (as notify() does) only split the drain into 2–4 times as many transactions, each with its fsync, on the
   * connection the backfill commits through (docs/benchmarks.md, bench:backfill).
   */
  wakeUp(): void {
    this.wake?.();
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.idleDelayMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /**
   * Maps and applies one claimed batch; with `claimNext` (the events the drain holds, this batch among them), claims
   * the following batch in the same transaction. A failure gives the batch back for a later attempt (and claims nothing).
   */
  private async process(batch: PlannedBatch, claimNext?: ReadonlySet<number>): Promise<{ result: TickResult; next: ClaimedEvent[] }> {
    const { events } = batch;
    const result = emptyResult(events.length);
    if (events.length === 0) return { result, next: [] };
    try {
      const plans = await batch.plans;
      result.retried = batch.givenBack;
      const ticket = events[0]?.ticket ?? '';
      const { completions, changes, next } = await this.applyBatch(plans, ticket, claimNext).catch((err: unknown) => {
        if (!isDataError(err)) throw err;
        return this.applyIsolating(plans, ticket);
      });
      for (const c of completions) result[c.status === 'dead' ? 'failed' : c.status] += 1;
      logBatchOutcomes(this.log, events, completions, result);
      if (changes > 0) this.onChanges?.();
      this.onCompleted?.(completions, events, this.clock.now());
      return { result, next };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.log.warn({ err: { code: e.code, message: e.message }, events: events.length }, 'batch failed, retrying later');
      const error = { code: e.code ?? 'WORKER_TRANSIENT', message: e.message ?? String(err) };
      await withTransaction(this.db, (trx) =>
        this.queue.retryLater(trx, events, error, this.options.maxAttempts, (n) => this.backoff(n), this.clock.now()),
      );
      logBatchRetried(this.log, events, error.code, this.options.maxAttempts);
      result.retried = events.length;
      return { result, next: [] };
    }
  }

  /**
   * Applies a batch the database refused for its data, half by half (left first), down to the one event whose data
   * it refuses: that event ends `failed` with WORKER_UNSTORABLE, every other event is applied as usual.
   * @remarks The refusal (a NUL or a key too long for PostgreSQL, say) would come back on every retry, so it belongs
   * to the event, never to its batch. One bad event among n costs about 2·log2(n) transactions. Claims nothing ahead.
   */
  private async applyIsolating(
    plans: EventPlan[],
    ticket: string,
  ): Promise<{ completions: EventCompletion[]; changes: number; next: ClaimedEvent[] }> {
    try {
      return await this.applyBatch(plans, ticket);
    } catch (err) {
      if (!isDataError(err)) throw err;
      const [only] = plans;
      if (plans.length === 1 && only) {
        // Logged with the batch's other failures (logBatchOutcomes), one warn line per event.
        return this.applyBatch([{ kind: 'end', event: only.event, completion: unstorableCompletion(only.event.id, err) }], ticket);
      }
      const middle = Math.ceil(plans.length / 2);
      const left = await this.applyIsolating(plans.slice(0, middle), ticket);
      const right = await this.applyIsolating(plans.slice(middle), ticket);
      return { completions: [...left.completions, ...right.completions], changes: left.changes + right.changes, next: [] };
    }
  }

  /** Starts mapping a claimed batch now; the worker awaits the plans when it applies the batch. */
  private planned(events: ClaimedEvent[]): PlannedBatch {
    const batch: PlannedBatch = { events, plans: Promise.resolve([]), givenBack: 0 };
    batch.plans = this.completer
      ? completeThenPlan(this.refetchDeps(), events, this.completer).then((r) => {
          batch.givenBack = r.givenBack;
          return r.plans;
        })
      : this.planner.plan(events);
    batch.plans.catch(() => undefined); // awaited (and its failure handled) in process(); not an unhandled rejection meanwhile
    return batch;
  }

  private refetchDeps(): RefetchStepDeps {
    const { db, queue, planner, log, clock } = this;
    return { db, queue, planner, log, maxAttempts: this.options.maxAttempts, backoff: (n) => this.backoff(n), now: () => clock.now() };
  }

  private async applyBatch(
    plans: EventPlan[],
    ticket: string,
    claimNext?: ReadonlySet<number>,
  ): Promise<{ completions: EventCompletion[]; changes: number; next: ClaimedEvent[] }> {
    const now = this.clock.now();
    const started = performance.now();
    const applied = await withTransaction(this.db, async (trx) => {
      // First: on PostgreSQL the change-append lock, taken by records.write, is held to commit, so nothing that
      // can wait comes after it.
      const next = claimNext ? await this.queue.claim(this.bound.size(), this.options.leaseMs, now, trx, claimNext) : [];
      const held = await this.queue.stillHeld(
        trx,
        plans.map((p) => p.event.id),
        ticket,
      );
      const live = plans.filter((p) => held.has(p.event.id));
      const refs = live.flatMap((p) => (p.kind === 'apply' ? [p.ref] : []));
      const states: Map<string, RecordState> = await this.records.load(trx, refs);
      const writes: RecordWrite[] = [];
      const completions: EventCompletion[] = [];
      for (const plan of live) {
        if (plan.kind === 'end') {
          completions.push(plan.completion);
          continue;
        }
        const key = refKey(plan.ref);
        const decision = applyEvent(states.get(key), plan.mapped);
        if (decision.outcome === 'stale') {
          completions.push({ id: plan.event.id, status: 'stale', mappingVersion: plan.mapped.mappingVersion });
          continue;
        }
        states.set(key, decision.next);
        writes.push({
          ref: plan.ref,
          next: decision.next,
          change: decision.change ? { kind: decision.change, inboxEventId: plan.event.id, cause: 'event' } : null,
        });
        completions.push({ id: plan.event.id, status: 'done', mappingVersion: plan.mapped.mappingVersion });
      }
      await this.records.write(trx, writes, now);
      await this.queue.complete(trx, completions, now);
      return { completions, changes: writes.filter((w) => w.change !== null).length, next };
    });
    this.bound.observe(plans.length, performance.now() - started);
    return applied;
  }

  /** Exponential backoff, capped, with jitter: between half and all of the ceiling, so retries spread out. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}
