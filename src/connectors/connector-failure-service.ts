import { AppError, isAppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { FeedService } from '../feed/feed-service';
import { consumerNameOf } from './connector';
import type { ConnectorFailure, ConnectorFailureStore, FailureQuery } from './connector-failure-store';
import type { ConnectorRunner } from './connector-runner';
import { isFinalRefusal } from './refusal-policy';

/** What a retry or skip did: the failure after it, and the checkpoint when it moved past the change (onRefused: stop). */
export interface FailureResolution {
  failure: ConnectorFailure;
  /** Set when the connector had stopped at this change and its checkpoint now moved past it. */
  checkpoint?: number;
}

/**
 * `connectors failures list|show|retry|skip` and the admin API's routes over parked changes: the one place with
 * their rules.
 * @remarks A retry or skip runs as a run of the connector would (never beside one: CONNECTOR_BUSY). When the
 * connector stopped at the change (`onRefused: stop`), the next change it would read is this one; a successful
 * retry or a skip then moves the checkpoint to the change, so the next run goes on after it (never further). A retry the downstream refuses again
 * counts one more attempt and stays parked. A superseded change (a later state of its record went out since) is
 * only re-sent when forced.
 */
export class ConnectorFailureService {
  constructor(
    private readonly store: ConnectorFailureStore,
    private readonly runner: ConnectorRunner,
    private readonly feed: FeedService,
    private readonly clock: Clock,
    /** The entities each connector delivers (its config's `entities`; empty: all). */
    private readonly entitiesOf: (connector: string) => readonly string[],
  ) {}

  /** A page of one connector's failures (parked ones unless a state is given), oldest first. */
  list(query: FailureQuery): Promise<ConnectorFailure[]> {
    if (query.connector !== undefined) this.runner.connector(query.connector);
    return this.store.list(query);
  }

  /** @throws AppError CONNECTOR_FAILURE_NOT_FOUND when `connector` has no failure `id`. */
  async show(connector: string, id: number): Promise<ConnectorFailure> {
    this.runner.connector(connector);
    const failure = await this.store.get(id);
    if (!failure || failure.connector !== connector) {
      throw new AppError('CONNECTOR_FAILURE_NOT_FOUND', `connector ${connector} has no parked change with id ${id}`);
    }
    return failure;
  }

  /** Sends the parked change again; resolved as retried when the downstream takes it. */
  async retry(connector: string, id: number, options: { force?: boolean } = {}): Promise<FailureResolution> {
    const failure = await this.parked(connector, id);
    if (failure.supersededBy !== null && !options.force) {
      throw new AppError(
        'CONNECTOR_FAILURE_SUPERSEDED',
        `change ${failure.seq} of ${failure.entity} ${failure.key} was superseded by change ${failure.supersededBy}, already delivered; re-sending it would put the older state back (skip it, or force)`,
      );
    }
    const target = this.runner.connector(connector);
    if (!target.resend) throw new AppError('CONNECTOR_RESEND_UNSUPPORTED', `connector ${connector} (${target.type}) parks no changes`);
    const resend = target.resend.bind(target);
    return this.runner.exclusively(connector, async (signal) => {
      try {
        await resend(failure.change, signal);
      } catch (err) {
        if (isFinalRefusal(err) && isAppError(err)) {
          const status = typeof err.details.status === 'number' ? err.details.status : undefined;
          const response = typeof err.details.response === 'string' ? err.details.response : undefined;
          await this.store.park(connector, failure.change, { code: err.code, message: err.message, status, response }, this.clock.now());
        }
        throw err;
      }
      return this.resolve(failure, 'retried');
    });
  }

  /** Drops the parked change for good: it is never sent. */
  async skip(connector: string, id: number): Promise<FailureResolution> {
    const failure = await this.parked(connector, id);
    return this.runner.exclusively(connector, () => this.resolve(failure, 'skipped'));
  }

  private async parked(connector: string, id: number): Promise<ConnectorFailure> {
    const failure = await this.show(connector, id);
    if (failure.state !== 'parked') {
      throw new AppError('CONNECTOR_FAILURE_RESOLVED', `parked change ${id} of ${connector} was already ${failure.state}`);
    }
    return failure;
  }

  private async resolve(failure: ConnectorFailure, state: 'retried' | 'skipped'): Promise<FailureResolution> {
    if (!(await this.store.resolve(failure.id, state, this.clock.now()))) {
      throw new AppError('CONNECTOR_FAILURE_RESOLVED', `parked change ${failure.id} of ${failure.connector} was resolved meanwhile`);
    }
    const consumer = consumerNameOf(failure.connector);
    const resolved = (await this.store.get(failure.id)) as ConnectorFailure;
    // Only when the connector stopped right at this change: the next change it would read is this one.
    const entities = [...this.entitiesOf(failure.connector)];
    const next = (await this.feed.readFor(consumer, { limit: 1, entities })).changes[0];
    if (next?.seq !== failure.seq) return { failure: resolved };
    await this.feed.ack(consumer, failure.seq);
    return { failure: resolved, checkpoint: failure.seq };
  }
}
