/**
 * Gathers concurrent requests into one batch, so that many deliveries share one transaction and one
 * fsync. Items that arrive while a batch is committing form the next batch.
 *
 * @remarks Each caller's promise settles only after the batch holding its item has committed (or failed):
 * the receiver answers 200 only then.
 * @example const gc = new GroupCommit((items) => store.acceptBatch(items), 500); await gc.submit(delivery)
 */
export class GroupCommit<TIn, TOut> {
  private queue: { item: TIn; resolve: (out: TOut) => void; reject: (err: unknown) => void }[] = [];
  private flushing = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly commit: (items: TIn[]) => Promise<TOut[]>,
    private readonly maxBatch: number,
  ) {}

  /** Queues one item; resolves with its own outcome once its batch has committed. */
  submit(item: TIn): Promise<TOut> {
    return new Promise<TOut>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or committing: for a graceful stop. */
  drain(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets the requests already parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outs = await this.commit(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(outs[i] as TOut));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
