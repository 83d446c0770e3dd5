import type { Change } from '../feed/change-feed';
import type { FeedService } from '../feed/feed-service';

/** A page of a connector's reading: the changes, and the feed position handled once they are delivered. */
export interface ConnectorPage {
  changes: Change[];
  /**
   * The checkpoint to ack after delivering `changes`: the last change's seq, or, on the page that catches up, the
   * head seen when the run started when that is further (changes of other entities are passed over that way).
   */
  through: number;
}

/**
 * The change feed as one connector reads it: from its own checkpoint (consumer `connector:<name>`), filtered by
 * its entities, in pages.
 * @remarks Passing over filtered-out changes by acking the head is safe because the feed is gap-free: when a read
 * after the head was taken comes back short, every change up to that head has been seen.
 */
export class ConnectorFeed {
  constructor(
    private readonly feed: FeedService,
    readonly consumer: string,
    private readonly entities: readonly string[],
  ) {}

  /** The checkpoint: the seq of the last change acked (0 before the first). */
  async checkpoint(): Promise<number> {
    return (await this.feed.readFor(this.consumer, { limit: 1 })).consumer.cursor;
  }

  head(): Promise<number> {
    return this.feed.head();
  }

  /**
   * Pages after `after` until a short page (caught up), `maxChanges` changes were read, or `signal` aborts.
   * The caller delivers each page, then acks its `through`, before asking for the next.
   */
  async *pages(after: number, pageSize: number, signal: AbortSignal, maxChanges = Number.POSITIVE_INFINITY): AsyncGenerator<ConnectorPage> {
    const head = await this.feed.head();
    let cursor = after;
    let read = 0;
    while (!signal.aborted && read < maxChanges) {
      const limit = Math.min(pageSize, maxChanges - read);
      const { changes } = await this.feed.read(String(cursor), { limit, entities: [...this.entities] });
      read += changes.length;
      const last = changes[changes.length - 1];
      if (changes.length === limit) {
        if (!last) return;
        yield { changes, through: last.seq };
        cursor = last.seq;
        continue;
      }
      const through = Math.max(last?.seq ?? cursor, head);
      if (through > cursor) yield { changes, through };
      return;
    }
  }

  /** Moves the checkpoint forward to `seq`. */
  async ack(seq: number): Promise<void> {
    await this.feed.ack(this.consumer, seq);
  }
}
