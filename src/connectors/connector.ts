import type { Change } from '../feed/change-feed';
import type { Logger } from '../core/logger';

/** Where a long run reports how far it got: a bar on a terminal, log lines otherwise. */
export interface ProgressReporter {
  /** `total` feed positions to go (head minus checkpoint when the run starts). */
  start(total: number): void;
  /** Feed positions done so far (the last handled seq minus the checkpoint at the start). */
  update(done: number): void;
  stop(): void;
}

export interface RunContext {
  logger: Logger;
  progress: ProgressReporter;
  /** Aborted when the service stops: the run ends at the next safe point, keeping its checkpoint. */
  signal: AbortSignal;
}

/** What one run did. A run that throws has delivered nothing past the checkpoint it left. */
export interface RunResult {
  /** Changes sent or written in this run (retries not counted twice). */
  delivered: number;
  /** The checkpoint after the run. */
  checkpoint: number;
}

/**
 * One downstream delivery: reads the feed after its own checkpoint (consumer `connector:<name>`), delivers, and
 * moves the checkpoint only after the downstream has taken the changes.
 * @remarks At-least-once: a crash or failure between delivery and ack sends the same changes again, with the same
 * idempotency keys (http) or the same cursor column (file), so the downstream can drop repeats.
 */
export interface Connector {
  readonly name: string;
  readonly type: 'http' | 'file' | 'database' | 'hubspot' | 'salesforce';
  /** Runs until caught up with the feed (or its per-run limit); throws when the downstream failed (or, with `onRefused: stop`, refused). */
  run(ctx: RunContext): Promise<RunResult>;
  /**
   * Delivers one stored change again, alone (`connectors failures retry`); connectors that park changes have it.
   * @throws the same errors as a run's send: CONNECTOR_REFUSED when the downstream refuses it again.
   */
  resend?(change: Change, signal: AbortSignal): Promise<void>;
  /**
   * What the connector would send for a stored change, without sending it (`connectors preview`): the request
   * (http), the row (database) or the CSV line's values (file). Null when the connector would pass it over.
   * @throws AppError CONNECTOR_OUTPUT_MAPPING_FAILED when its output mapping refuses the record.
   */
  preview?(change: Change): Promise<Record<string, unknown> | null>;
}

/** The consumer whose checkpoint a connector keeps. */
export function consumerNameOf(connector: string): string {
  return `connector:${connector}`;
}

/** A progress reporter that reports nothing: for runs nobody watches. */
export const silentProgress: ProgressReporter = { start: () => {}, update: () => {}, stop: () => {} };
