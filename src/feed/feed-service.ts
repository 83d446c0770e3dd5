import type { Clock } from '../core/clock';
import { AppError } from '../core/app-error';
import { cursorExpired, type ChangeFeed, type ChangePage } from './change-feed';
import type { ChangeNotifier } from './change-notifier';
import type { Consumer, ConsumerStore } from './consumer-store';

export interface FeedReadOptions {
  limit: number;
  entities?: string[];
  /** Long-poll: wait up to this long for a change when there is none yet. */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface ConsumerLag {
  name: string;
  cursor: number;
  head: number;
  /** Changes the consumer has not acknowledged yet. */
  behind: number;
  ackedAt: Date | null;
  /** Age of the oldest change it has not acknowledged (and still kept), in seconds (0 when caught up). */
  oldestUnackedSeconds: number;
  /**
   * True when retention purged changes it had not acknowledged (retention.changes.maxConsumerLagDays): its reads
   * answer FEED_CURSOR_EXPIRED until it is rewound on purpose.
   */
  fellBehindRetention: boolean;
  /** The highest seq retention purged (0 when none): the oldest cursor a read may start after. */
  purgedThrough: number;
}

/** Who calls the feed API: the API key's id, and whether it holds the admin scope. */
export interface FeedCaller {
  keyId: string;
  admin: boolean;
}

/** Consumers the connectors of this service use (`connector:<name>`): not for API keys to move. */
const CONNECTOR_PREFIX = 'connector:';

/** The change feed as consumers use it: reads with long-poll, named consumers, ack and rewind, lag. */
export class FeedService {
  constructor(
    private readonly feed: ChangeFeed,
    private readonly consumers: ConsumerStore,
    private readonly notifier: ChangeNotifier,
    private readonly clock: Clock,
  ) {}

  /** Changes after `cursor`; with waitMs, holds the request until one is committed or the wait is over. */
  async read(cursor: string, options: FeedReadOptions): Promise<ChangePage> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const page = await this.feed.readAfter(cursor, options);
      if (page.changes.length > 0 || Date.now() >= deadline || options.signal?.aborted) return page;
      await this.notifier.wait(options.signal);
    }
  }

  /**
   * Refuses (403 API_CONSUMER_NOT_OWNED) a key that may not read or ack the named consumer: an admin key may use
   * any; another key only a consumer bound to it, binding a new or unbound one on first use, and never a
   * connector's. Otherwise any feed:read key could ack another consumer forward and make it skip changes.
   */
  async authorize(name: string, caller: FeedCaller): Promise<void> {
    if (caller.admin) return;
    const refused = new AppError('API_CONSUMER_NOT_OWNED', `consumer ${name} belongs to another API key; use a consumer name of your own`);
    if (name.startsWith(CONNECTOR_PREFIX)) throw refused;
    const consumer = await this.consumers.claim(name, caller.keyId, this.clock.now());
    if (consumer.ownerKeyId !== caller.keyId) throw refused;
  }

  /** The next batch after the consumer's checkpoint (the consumer is created on first use). */
  async readFor(name: string, options: FeedReadOptions): Promise<ChangePage & { consumer: Consumer }> {
    const consumer = await this.consumers.getOrCreate(name, this.clock.now());
    return { ...(await this.read(String(consumer.cursor), options)), consumer };
  }

  /** Moves the checkpoint forward; a cursor beyond the head or behind the checkpoint is refused. */
  async ack(name: string, cursor: number): Promise<Consumer> {
    if (cursor > (await this.feed.head())) throw new AppError('API_BAD_REQUEST', `cursor ${cursor} is beyond the newest change`);
    if (!(await this.consumers.ack(name, cursor, this.clock.now()))) {
      throw new AppError('API_BAD_REQUEST', `cursor ${cursor} is behind the checkpoint of ${name}; use rewind to go back`);
    }
    return this.consumers.getOrCreate(name, this.clock.now());
  }

  /** Sets the checkpoint to a cursor, or to just before the first change at or after a time. */
  async rewind(name: string, to: { cursor: number } | { time: Date }): Promise<Consumer> {
    const cursor = 'cursor' in to ? to.cursor : Number(await this.feed.cursorAt(to.time));
    if (cursor > (await this.feed.head())) throw new AppError('API_BAD_REQUEST', `cursor ${cursor} is beyond the newest change`);
    // A checkpoint below the horizon could only answer FEED_CURSOR_EXPIRED; refuse it now and name the oldest cursor.
    const horizon = await this.feed.purgedThrough();
    if (cursor < horizon) throw cursorExpired(cursor, horizon);
    await this.consumers.rewind(name, cursor, this.clock.now());
    return this.consumers.getOrCreate(name, this.clock.now());
  }

  /** The seq of the newest change (0 when none). */
  head(): Promise<number> {
    return this.feed.head();
  }

  async lag(): Promise<ConsumerLag[]> {
    const head = await this.feed.head();
    const horizon = await this.feed.purgedThrough();
    const now = this.clock.now().getTime();
    const out: ConsumerLag[] = [];
    for (const c of await this.consumers.list()) {
      const next = (await this.feed.readAfter(String(Math.max(c.cursor, horizon)), { limit: 1 })).changes[0];
      out.push({
        name: c.name,
        cursor: c.cursor,
        head,
        behind: Math.max(0, head - c.cursor),
        ackedAt: c.ackedAt,
        oldestUnackedSeconds: next ? Math.max(0, Math.round((now - next.createdAt.getTime()) / 1000)) : 0,
        fellBehindRetention: c.cursor < horizon,
        purgedThrough: horizon,
      });
    }
    return out;
  }
}
