import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { isDataError, isStoreUnavailable } from '../db/db-errors';
import { GroupCommit } from '../inbox/group-commit';
import type { AcceptOutcome, InboxStore, NewDelivery } from '../inbox/inbox-store';
import { parseEnvelope } from './envelope';
import { exceedsJsonDepth } from './json-depth';

export interface Delivery {
  source: string;
  principal: string;
  body: Buffer;
  requestId: string;
  remoteAddress: string | undefined;
}

export interface ReceiverServiceOptions {
  groupCommitMax: number;
  rejectedKeep: number;
  /** Deepest nesting of arrays and objects accepted in a body (receiver.maxDepth). */
  maxDepth: number;
  /** Called after a commit that accepted a delivery: wakes a worker in the same process. */
  onAccepted?: () => void;
}

/**
 * Turns one authenticated delivery into a committed inbox row (or a duplicate, or a conflict).
 *
 * @remarks `receive` resolves only after the transaction holding the delivery has committed; concurrent
 * deliveries share that transaction (group commit). Bad input from an authenticated sender is recorded in
 * rejected_deliveries before the error is thrown.
 */
export class ReceiverService {
  /** Called after each group commit with its number of deliveries (the metrics' batch size histogram). */
  onCommitted: ((deliveries: number) => void) | undefined;
  private readonly groupCommit: GroupCommit<NewDelivery, AcceptOutcome>;

  constructor(
    private readonly inbox: InboxStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ReceiverServiceOptions,
  ) {
    // A batch that fails for anything but an unreachable store is split until the one bad delivery fails alone.
    this.groupCommit = new GroupCommit(
      (batch) => this.commit(batch),
      options.groupCommitMax,
      (err) => !isStoreUnavailable(err),
    );
  }

  async receive(delivery: Delivery): Promise<AcceptOutcome> {
    const receivedAt = this.clock.now();
    let envelope;
    try {
      envelope = parseEnvelope(parseJson(delivery.body, this.options.maxDepth));
    } catch (err) {
      await this.reject(delivery, err, receivedAt);
      throw err;
    }
    const bodySha256 = createHash('sha256').update(delivery.body).digest('hex');
    let outcome: AcceptOutcome;
    try {
      outcome = await this.groupCommit.submit({
        source: delivery.source,
        envelope,
        body: delivery.body,
        bodySha256,
        principal: delivery.principal,
        receivedAt,
      });
    } catch (err) {
      if (isDataError(err)) {
        // It failed alone (the group commit split its batch): the same bytes would fail on every retry.
        const refused = new AppError('RECEIVER_UNSTORABLE', 'the store refused a value of this delivery; it would fail again on retry');
        this.log.warn(
          { err: { message: (err as Error).message, code: (err as { code?: string }).code }, source: delivery.source },
          'delivery refused by the store',
        );
        await this.reject(delivery, refused, receivedAt);
        throw refused;
      }
      this.log.error(
        { err: { message: (err as Error).message, code: (err as { code?: string }).code }, source: delivery.source },
        'inbox commit failed',
      );
      // Whatever went wrong, nothing was committed: AppDirect must retry, so 503 and never 200.
      throw new AppError(
        'RECEIVER_STORE_UNAVAILABLE',
        isStoreUnavailable(err) ? 'store unavailable, retry later' : 'delivery not stored, retry later',
        { retryAfterSeconds: 30 },
      );
    }
    if (outcome.status === 'accepted') this.options.onAccepted?.();
    // Answered 200 (AppDirect must not re-send), but a person decides which body is right: one warn line to find it.
    if (outcome.status === 'conflict') {
      const { resourceType, resourceUuid, uuid } = envelope;
      const fields = { eventId: outcome.id, source: delivery.source, resourceType, resourceUuid, deliveryUuid: uuid };
      this.log.warn({ ...fields, code: 'INBOX_CONFLICT' }, 'delivery conflicts with the stored one');
    }
    return outcome;
  }

  /**
   * Records a delivery refused after authentication (too large, malformed, bad envelope).
   * A failure to record is logged, never allowed to hide the original error.
   */
  async reject(
    delivery: Omit<Delivery, 'body'> & { body?: Buffer; bodyBytes?: number },
    err: unknown,
    receivedAt = this.clock.now(),
  ): Promise<void> {
    const appError = isAppError(err) ? err : undefined;
    try {
      await this.inbox.recordRejection(
        {
          source: delivery.source,
          principal: delivery.principal,
          statusCode: appError?.status ?? 500,
          errorCode: appError?.code ?? 'SERVER_INTERNAL',
          message: appError?.message ?? 'internal error',
          requestId: delivery.requestId,
          remoteAddress: delivery.remoteAddress,
          bodyBytes: delivery.bodyBytes ?? delivery.body?.length,
          bodyExcerpt: delivery.body,
          receivedAt,
        },
        this.options.rejectedKeep,
      );
    } catch (recordErr) {
      this.log.warn({ err: { message: (recordErr as Error).message }, source: delivery.source }, 'rejection not recorded');
    }
  }

  private async commit(batch: NewDelivery[]): Promise<AcceptOutcome[]> {
    const outcomes = await this.inbox.acceptBatch(batch);
    // One line per transaction: how well concurrent deliveries share commits (and fsyncs) shows in the logs.
    this.log.debug({ deliveries: batch.length }, 'inbox batch committed');
    this.onCommitted?.(batch.length);
    return outcomes;
  }

  /** Waits for every queued delivery to commit: part of a graceful stop. */
  drain(): Promise<void> {
    return this.groupCommit.drain();
  }
}

function parseJson(body: Buffer, maxDepth: number): unknown {
  // Before JSON.parse: a deep body must never reach the recursive walks after it (stringify, mapping).
  if (exceedsJsonDepth(body, maxDepth)) {
    throw new AppError('RECEIVER_TOO_DEEP', `request body nests arrays and objects deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('RECEIVER_MALFORMED_JSON', 'request body is not valid JSON');
  }
}
