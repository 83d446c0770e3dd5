/**
 * Gathers concurrent requests into one batch, so that many deliveries share one transaction and one
 * fsync. Items that arrive while a batch is committing form the next batch.
 *
 * @remarks Each caller's promise settles only after the batch holding its item has committed (or failed):
 * the receiver answers 200 only then.
 * @example const gc = new GroupCommit((items) => store.acceptBatch(items), 500); await gc.submit(delivery)
 */
export class GroupCommit<TIn, TOut> {
  private queue: Entry<TIn, TOut>[] = [];
  private flushing = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly commit: (items: TIn[]) => Promise<TOut[]>,
    private readonly maxBatch: number,
    /**
     * Whether a failed batch may have failed for one item's data, so that it is worth splitting. A store
     * that is down fails every half too: no split then, every caller gets the error at once.
     */
    private readonly mayBeOneItem: (err: unknown) => boolean = () => false,
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
        await this.commitSplitting(this.queue.splice(0, this.maxBatch));
      }
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * Commits a batch; when it fails for what may be one item's data, commits each half on its own (left half
   * first, so arrival order holds), down to the one item that fails alone and gets the error.
   * @remarks One bad item among n costs about 2·log2(n) extra commits, and never fails another sender's item.
   */
  private async commitSplitting(batch: Entry<TIn, TOut>[]): Promise<void> {
    const pending = [batch];
    for (let part = pending.shift(); part; part = pending.shift()) {
      try {
        const outs = await this.commit(part.map((b) => b.item));
        part.forEach((b, i) => b.resolve(outs[i] as TOut));
      } catch (err) {
        if (part.length > 1 && this.mayBeOneItem(err)) {
          const middle = Math.ceil(part.length / 2);
          pending.unshift(part.slice(0, middle), part.slice(middle));
        } else {
          for (const b of part) b.reject(err);
        }
      }
    }
  }
}

interface Entry<TIn, TOut> {
  item: TIn;
  resolve: (out: TOut) => void;
  reject: (err: unknown) => void;
}
