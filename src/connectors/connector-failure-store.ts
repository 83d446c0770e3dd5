import type { Change } from '../feed/change-feed';

/** What became of a parked change: still parked, re-sent and taken, or dropped by an operator. */
export type FailureState = 'parked' | 'retried' | 'skipped';

/** Why a change could not be delivered, as the connector saw it. */
export interface Refusal {
  /** A catalogued error code: CONNECTOR_REFUSED, or CONNECTOR_OUTPUT_MAPPING_FAILED for a change that could not be shaped. */
  code: string;
  /** The downstream's HTTP status (none for a shaping failure). */
  status?: number;
  /** The start of the downstream's answer, size-limited and with secrets redacted. */
  response?: string;
  message: string;
}

/** One parked (or resolved) change of a connector. */
export interface ConnectorFailure extends Refusal {
  id: number;
  connector: string;
  seq: number;
  source: string;
  entity: string;
  key: string;
  kind: string;
  state: FailureState;
  /** Times the downstream refused this change (each run that reached it, each refused retry). */
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  resolvedAt: Date | null;
  /** The seq of a later change of the same record delivered after this one was parked (a retry would regress it). */
  supersededBy: number | null;
  /** The change as it was read from the feed, kept so a retry works after retention purged it. */
  change: Change;
}

/** A page of failures: one connector's (or all), of one state (or all), oldest first, after an id. */
export interface FailureQuery {
  connector?: string;
  state?: FailureState;
  limit: number;
  afterId?: number;
}

/**
 * The connector_failures table (migration 013): one row per connector and change.
 * @remarks `park` is an upsert on (connector, seq): a change refused again (after a rewind, or by a retry) keeps
 * one row with its attempts counted up and its state back to parked.
 */
export interface ConnectorFailureStore {
  park(connector: string, change: Change, refusal: Refusal, at: Date): Promise<ConnectorFailure>;
  list(query: FailureQuery): Promise<ConnectorFailure[]>;
  get(id: number): Promise<ConnectorFailure | undefined>;
  /** The row of one connector's change, if it was ever refused. */
  findBySeq(connector: string, seq: number): Promise<ConnectorFailure | undefined>;
  /** Marks a parked row retried or skipped; false when it was not parked (any more). */
  resolve(id: number, state: Exclude<FailureState, 'parked'>, at: Date): Promise<boolean>;
  /** Keys (`source`, `entity`, `key`) of a connector's parked changes, for the supersede check of a run. */
  parkedRecords(connector: string): Promise<Array<{ source: string; entity: string; key: string }>>;
  /** Marks the parked changes of one record before `seq` as superseded by the change `seq`. */
  supersede(connector: string, record: { source: string; entity: string; key: string }, seq: number): Promise<number>;
  /** Parked rows per connector. */
  countParked(): Promise<Map<string, number>>;
}
