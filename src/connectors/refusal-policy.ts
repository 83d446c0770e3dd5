import { isAppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { Change } from '../feed/change-feed';
import type { ConnectorFailureStore, Refusal } from './connector-failure-store';

/** `park`: record the refused change and go on with the next; `stop`: record it and stop the run at it. */
export type OnRefused = 'park' | 'stop';

/** Codes that mean "this one change will never be taken as it is", as opposed to a downstream that is down. */
const FINAL_CODES = new Set(['CONNECTOR_REFUSED', 'CONNECTOR_OUTPUT_MAPPING_FAILED', 'CONNECTOR_ROW_REFUSED']);

/** True for an error that parks one change rather than failing the run. */
export function isFinalRefusal(err: unknown): boolean {
  return isAppError(err) && FINAL_CODES.has(err.code);
}

/** What parking needs besides the store. */
export interface RefusalPolicyDeps {
  store: ConnectorFailureStore;
  clock: Clock;
  /** Counted in the metrics (appdirect_sync_connector_parked_changes_total). */
  onParked?: (connector: string) => void;
}

const recordKey = (r: { source: string; entity: string; key: string }) => `${r.source}\u0000${r.entity}\u0000${r.key}`;

/**
 * What a connector does with a change its downstream refused for good: records it in connector_failures with the
 * answer, then goes on (`park`) or throws to stop the run at that change (`stop`).
 * @remarks A run also notices when it delivers a later change of a record that has a parked change: the parked row
 * is marked superseded, so a retry cannot quietly put the older state back (docs/consumers.md, "Parked changes").
 * That costs one set lookup per delivered change and one update when it happens.
 */
export class RefusalPolicy {
  private parkedRecords = new Set<string>();

  constructor(
    private readonly connector: string,
    private readonly mode: OnRefused,
    private readonly deps: RefusalPolicyDeps,
  ) {}

  /** Loads the records with parked changes, at the start of a run. */
  async begin(): Promise<void> {
    this.parkedRecords = new Set((await this.deps.store.parkedRecords(this.connector)).map(recordKey));
  }

  /**
   * Handles an error of one change. Returns when the change was parked, or was skipped before (go on); throws `err`
   * itself when it is not a final refusal, or when the connector stops at refusals.
   */
  async refused(change: Change, err: unknown, log: Logger): Promise<void> {
    if (!isFinalRefusal(err) || !isAppError(err)) throw err;
    // An operator skipped this change already (a stopped connector meets it again, or a rewind replays it): it is
    // dropped for good, not parked again.
    const earlier = await this.deps.store.findBySeq(this.connector, change.seq);
    if (earlier?.state === 'skipped') {
      log.info({ seq: change.seq, entity: change.entity, key: change.key, failureId: earlier.id }, 'skipped change passed over');
      return;
    }
    const refusal: Refusal = {
      code: err.code,
      message: err.message,
      ...(typeof err.details.status === 'number' ? { status: err.details.status } : {}),
      ...(typeof err.details.response === 'string' ? { response: err.details.response } : {}),
    };
    const failure = await this.deps.store.park(this.connector, change, refusal, this.deps.clock.now());
    this.parkedRecords.add(recordKey(change));
    const fields = {
      seq: change.seq,
      entity: change.entity,
      key: change.key,
      code: err.code,
      status: refusal.status,
      failureId: failure.id,
    };
    if (this.mode === 'stop') {
      log.error(fields, 'connector stopped at a refused change');
      throw err;
    }
    this.deps.onParked?.(this.connector);
    log.warn(fields, 'connector parked a refused change');
  }

  /** A change was taken: a parked older change of the same record is now superseded. */
  async delivered(change: Change): Promise<void> {
    if (this.parkedRecords.size === 0 || !this.parkedRecords.has(recordKey(change))) return;
    await this.deps.store.supersede(this.connector, change, change.seq);
  }
}
