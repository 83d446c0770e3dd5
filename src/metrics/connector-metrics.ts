import { Counter, Gauge, type Registry } from 'prom-client';
import type { RunOutcome } from '../connectors/connector-runner';
import { METRIC_NAMES } from './metric-names';

/**
 * The connectors' runs in this process (per process, like every counter): runs by status and error code, changes
 * delivered, and the time of the last successful run. With several instances, a scheduled run happens on one of
 * them: dashboards sum the counters and take the `max` of the last success.
 */
export class ConnectorMetrics {
  readonly runs: Counter<'connector' | 'status' | 'code'>;
  readonly delivered: Counter<'connector'>;
  readonly lastSuccess: Gauge<'connector'>;
  /** Changes parked because the destination (or the output mapping) refused them for good (issue 15). */
  readonly parked: Counter<'connector'>;

  constructor(registry: Registry, connectors: readonly string[]) {
    const registers = [registry];
    this.runs = new Counter({
      name: METRIC_NAMES.connectorRuns,
      help: 'Connector runs in this process by connector and status (ok, failed with its error code, skipped when already running)',
      labelNames: ['connector', 'status', 'code'],
      registers,
    });
    this.delivered = new Counter({
      name: METRIC_NAMES.connectorDelivered,
      help: 'Changes a connector delivered downstream (acknowledged by the downstream) in this process',
      labelNames: ['connector'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: METRIC_NAMES.connectorLastSuccess,
      help: 'Unix time of the last successful run of a connector in this process (0 before the first)',
      labelNames: ['connector'],
      registers,
    });
    this.parked = new Counter({
      name: METRIC_NAMES.connectorParked,
      help: 'Changes a connector of this process parked because the destination refused them for good (or its output mapping did), by connector',
      labelNames: ['connector'],
      registers,
    });
    // Every configured connector shows from the start, so "no success yet" is a 0, not a missing series.
    for (const connector of connectors) {
      this.delivered.inc({ connector }, 0);
      this.parked.inc({ connector }, 0);
      this.lastSuccess.set({ connector }, 0);
    }
  }

  /** Counts one finished run (ConnectorRunner.onOutcome). */
  observe(outcome: RunOutcome): void {
    const connector = outcome.connector;
    if (outcome.status === 'failed') this.runs.inc({ connector, status: 'failed', code: outcome.error?.code ?? 'SERVER_INTERNAL' });
    else this.runs.inc({ connector, status: outcome.status });
    if (outcome.delivered > 0) this.delivered.inc({ connector }, outcome.delivered);
    if (outcome.status === 'ok') this.lastSuccess.set({ connector }, outcome.finishedAt.getTime() / 1000);
  }
}
