import type { HttpConnectorConfig } from '../config/connector-schema';
import type { Change } from '../feed/change-feed';
import { renderChange } from '../feed/feed-router';
import type { Connector, RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import type { HttpSender, OutgoingRequest } from './http-sender';

/**
 * Pushes the change feed to a downstream HTTP API, from the connector's checkpoint:
 * - mode `batch`: POSTs a JSON array of up to batchSize changes (each as the feed API renders it, plus its
 *   `idempotency_key`), with `Idempotency-Key: <connector>:<first seq>-<last seq>`;
 * - mode `record`: sends each change's record data to the URL template (`{key}`, `{entity}`, `{source}`), with
 *   `Idempotency-Key: <connector>:<source>:<seq>`; deleted records per `onDelete`.
 * @remarks Changes go out in feed order, one request at a time. The checkpoint moves only after a 2xx: per batch,
 * or, in record mode, up to the last record taken before a failure. Retries carry the same key.
 */
export class HttpPushConnector implements Connector {
  readonly type = 'http';

  constructor(
    readonly name: string,
    private readonly config: HttpConnectorConfig,
    private readonly feed: ConnectorFeed,
    private readonly sender: HttpSender,
  ) {}

  async run(ctx: RunContext): Promise<RunResult> {
    const start = await this.feed.checkpoint();
    ctx.progress.start(Math.max(0, (await this.feed.head()) - start));
    let checkpoint = start;
    let delivered = 0;
    try {
      for await (const page of this.feed.pages(start, this.config.batchSize, ctx.signal)) {
        if (this.config.mode === 'batch') {
          if (page.changes.length > 0) await this.sender.send(this.batchRequest(page.changes), ctx.signal);
          delivered += page.changes.length;
        } else {
          for (const [i, change] of page.changes.entries()) {
            try {
              if (await this.sendRecord(change, ctx.signal)) delivered += 1;
            } catch (err) {
              // Keep what the downstream already took: ack up to the record before the one that failed.
              const taken = page.changes[i - 1];
              if (taken) await this.feed.ack(taken.seq);
              throw err;
            }
          }
        }
        await this.feed.ack(page.through);
        checkpoint = page.through;
        ctx.progress.update(checkpoint - start);
      }
    } finally {
      ctx.progress.stop();
    }
    return { delivered, checkpoint };
  }

  private batchRequest(changes: Change[]): OutgoingRequest {
    const first = changes[0] as Change;
    const last = changes[changes.length - 1] as Change;
    const body = changes.map((c) => ({ ...renderChange(c), idempotency_key: this.keyOf(c) }));
    return { method: 'POST', url: this.config.url, body: JSON.stringify(body), idempotencyKey: `${this.name}:${first.seq}-${last.seq}` };
  }

  /** Sends one change in record mode; false when onDelete skips it. */
  private async sendRecord(change: Change, signal: AbortSignal): Promise<boolean> {
    const url = this.config.url.replace(/\{(key|entity|source)\}/g, (_m, name: 'key' | 'entity' | 'source') =>
      encodeURIComponent(change[name]),
    );
    const headers = { 'x-change-kind': change.kind, 'x-change-cursor': String(change.seq), 'x-change-entity': change.entity };
    const idempotencyKey = this.keyOf(change);
    if (change.kind === 'deleted' && this.config.onDelete !== 'send') {
      if (this.config.onDelete === 'skip') return false;
      // Deleting what the downstream no longer has is done, not an error.
      await this.sender.send({ method: 'DELETE', url, idempotencyKey, headers, alsoDone: [404, 410] }, signal);
      return true;
    }
    await this.sender.send({ method: this.config.method, url, body: JSON.stringify(change.data), idempotencyKey, headers }, signal);
    return true;
  }

  private keyOf(change: Change): string {
    return `${this.name}:${change.source}:${change.seq}`;
  }
}
