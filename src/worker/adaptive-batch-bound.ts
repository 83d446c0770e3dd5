/** Fewest events a bounded batch claims: below it, the commit's fixed cost (the fsync) would be most of the work. */
export const MIN_BOUNDED_BATCH = 25;
/** How long after the last intake commit the intake counts as busy. */
export const INTAKE_RECENT_MS = 250;
/** Batches smaller than this say little about the cost per event (the commit's fixed cost dominates): not sampled. */
const MIN_SAMPLE = 10;

/**
 * How many events the worker claims into its next batch. At most `max`; while the intake of this process has
 * committed in the last INTAKE_RECENT_MS, so few that an apply transaction lasts about `budgetMs`.
 *
 * @remarks On SQLite the worker and the receiver share one connection: a delivery that arrives while an apply
 * transaction runs waits for it to end, so the transaction's length is the intake's latency (ADR 0032). The cost per
 * event is a moving average of the transactions measured, commit included; with a fixed cost c per commit and v
 * per event, the size it gives (budget / (c/n + v)) settles where c + v·n = budget. With the intake quiet, or
 * `budgetMs` 0, every batch is `max`, the cheapest per event. A batch's size changes nothing a batch guarantees.
 */
export class AdaptiveBatchBound {
  private lastIntakeAt = Number.NEGATIVE_INFINITY;
  private msPerEvent: number | undefined;

  constructor(
    private readonly max: number,
    private readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The intake of this process committed deliveries just now. */
  intakeCommitted(): void {
    this.lastIntakeAt = this.now();
  }

  /** An apply transaction of `events` events took `ms`, from its start to its commit. */
  observe(events: number, ms: number): void {
    if (events < MIN_SAMPLE) return;
    const sample = ms / events;
    this.msPerEvent = this.msPerEvent === undefined ? sample : this.msPerEvent * 0.7 + sample * 0.3;
  }

  /** The size of the next claim. */
  size(): number {
    if (this.budgetMs <= 0 || this.msPerEvent === undefined || this.now() - this.lastIntakeAt > INTAKE_RECENT_MS) return this.max;
    const fitting = Math.floor(this.budgetMs / this.msPerEvent);
    return Math.max(Math.min(MIN_BOUNDED_BATCH, this.max), Math.min(this.max, fitting));
  }
}
