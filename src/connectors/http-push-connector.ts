import type { HttpConnectorConfig } from '../config/connector-schema';
import { isAppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import type { Change } from '../feed/change-feed';
import { renderChange } from '../feed/feed-router';
import type { Connector, RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import type { HttpSender, OutgoingRequest } from './http-sender';
import type { RecordShapes } from './record-shapes';
import type { RefusalPolicy } from './refusal-policy';
import { runFeedPages } from './run-feed-pages';

/**
 * Pushes the change feed to a downstream HTTP API, from the connector's checkpoint:
 * - mode `batch`: POSTs a JSON array of up to batchSize changes (each as the feed API renders it, plus its
 *   `idempotency_key`), with `Idempotency-Key: <connector>:<first seq>-<last seq>`;
 * - mode `record`: sends each change's record data to the URL template (`{key}`, `{entity}`, `{source}`), with
 *   `Idempotency-Key: <connector>:<source>:<seq>`; deleted records per `onDelete`.
 * The data sent is the record through the connector's output mapping for its entity, when it has one.
 * @remarks Changes go out in feed order, one request at a time. The checkpoint moves only after a 2xx: per batch,
 * or, in record mode, up to the last record taken before a failure. Retries carry the same key. A change refused
 * for good (a 4xx other than 401/408/425/429, or an output mapping's refusal) is parked and the run goes on
 * (`onRefused: park`), or the run stops at it (`stop`). A refused batch is sent again one change per batch, so
 * only the refused changes are parked.
 */
export class HttpPushConnector implements Connector {
  readonly type = 'http';

  constructor(
    readonly name: string,
    private readonly config: HttpConnectorConfig,
    private readonly feed: ConnectorFeed,
    private readonly sender: HttpSender,
    private readonly shapes: RecordShapes,
    private readonly refusals: RefusalPolicy,
  ) {}

  run(ctx: RunContext): Promise<RunResult> {
    return runFeedPages(this.feed, this.refusals, this.config.batchSize, ctx, (changes, checkpoint) =>
      this.deliverPage(changes, checkpoint, ctx),
    );
  }

  /** Sends one stored change again (a retry of a parked change), in the connector's mode. */
  async resend(change: Change, signal: AbortSignal): Promise<void> {
    if (this.config.mode === 'batch') await this.sender.send(await this.batchRequest([change]), signal);
    else await this.sendRecord(change, signal);
  }

  async preview(change: Change): Promise<Record<string, unknown> | null> {
    if (this.config.entities.length > 0 && !this.config.entities.includes(change.entity)) return null;
    if (this.config.mode === 'batch') {
      const request = await this.batchRequest([change]);
      return { method: request.method, url: request.url, item: (JSON.parse(request.body as string) as unknown[])[0] };
    }
    const url = this.urlOf(change);
    if (change.kind === 'deleted' && this.config.onDelete !== 'send') {
      return this.config.onDelete === 'skip' ? null : { method: 'DELETE', url, idempotencyKey: this.keyOf(change) };
    }
    return { method: this.config.method, url, idempotencyKey: this.keyOf(change), body: await this.shapes.shape(change) };
  }

  /** Delivers a page; returns the changes taken. Parks refused ones; on a failure acks what was taken first. */
  private async deliverPage(changes: Change[], checkpoint: number, ctx: RunContext): Promise<number> {
    if (changes.length === 0) return 0;
    if (this.config.mode === 'batch') {
      try {
        await this.sender.send(await this.batchRequest(changes), ctx.signal);
        for (const c of changes) await this.refusals.delivered(c);
        return changes.length;
      } catch (err) {
        // A whole batch refused: find the refused changes by sending one per batch.
        if (!isAppError(err) || (err.code !== 'CONNECTOR_REFUSED' && err.code !== 'CONNECTOR_OUTPUT_MAPPING_FAILED')) throw err;
        ctx.logger.info({ changes: changes.length }, 'batch refused; sending its changes one by one');
      }
    }
    let taken = 0;
    let lastDone = checkpoint;
    for (const change of changes) {
      try {
        if (await this.sendOne(change, ctx.signal)) taken += 1;
        await this.refusals.delivered(change);
      } catch (err) {
        try {
          await this.refusals.refused(change, err, ctx.logger);
        } catch (stop) {
          // Keep what the downstream already took: ack up to the change before the one that failed.
          await this.ackTaken(lastDone, checkpoint, ctx.logger);
          throw stop;
        }
      }
      lastDone = change.seq;
    }
    return taken;
  }

  private async ackTaken(seq: number, checkpoint: number, log: Logger): Promise<void> {
    if (seq <= checkpoint) return;
    await this.feed.ack(seq);
    log.debug({ checkpoint: seq }, 'checkpoint kept at the last change taken');
  }

  /** One change in the connector's mode; false when onDelete skips it. */
  private async sendOne(change: Change, signal: AbortSignal): Promise<boolean> {
    if (this.config.mode === 'batch') {
      await this.sender.send(await this.batchRequest([change]), signal);
      return true;
    }
    return this.sendRecord(change, signal);
  }

  private async batchRequest(changes: Change[]): Promise<OutgoingRequest> {
    const first = changes[0] as Change;
    const last = changes[changes.length - 1] as Change;
    const body = [];
    for (const c of changes) body.push({ ...renderChange(c), data: await this.shapes.shape(c), idempotency_key: this.keyOf(c) });
    return { method: 'POST', url: this.config.url, body: JSON.stringify(body), idempotencyKey: `${this.name}:${first.seq}-${last.seq}` };
  }

  /** Sends one change in record mode; false when onDelete skips it. */
  private async sendRecord(change: Change, signal: AbortSignal): Promise<boolean> {
    const url = this.urlOf(change);
    const headers = { 'x-change-kind': change.kind, 'x-change-cursor': String(change.seq), 'x-change-entity': change.entity };
    const idempotencyKey = this.keyOf(change);
    if (change.kind === 'deleted' && this.config.onDelete !== 'send') {
      if (this.config.onDelete === 'skip') return false;
      // Deleting what the downstream no longer has is done, not an error.
      await this.sender.send({ method: 'DELETE', url, idempotencyKey, headers, alsoDone: [404, 410] }, signal);
      return true;
    }
    const body = JSON.stringify(await this.shapes.shape(change));
    await this.sender.send({ method: this.config.method, url, body, idempotencyKey, headers }, signal);
    return true;
  }

  private urlOf(change: Change): string {
    return this.config.url.replace(/\{(key|entity|source)\}/g, (_m, name: 'key' | 'entity' | 'source') => encodeURIComponent(change[name]));
  }

  private keyOf(change: Change): string {
    return `${this.name}:${change.source}:${change.seq}`;
  }
}
