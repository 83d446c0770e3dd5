import type { ServiceMetrics } from '../metrics/service-metrics';
import type { Container } from './container';

/**
 * Hands the per-process counters to the stages that observe them: the receiver's group-commit sizes, the worker's
 * outcomes (and apply lag, mapping failures), the scheduled connectors' runs. Each hook is an in-memory increment
 * after the work committed, never I/O on the hot path (docs/architecture.md §4).
 */
export function wireMetrics(c: Container, metrics: ServiceMetrics): void {
  c.receiver.onCommitted = (n) => metrics.groupCommitBatch.observe(n);
  c.serviceWorker.onCompleted = (completions, events, committedAt) => metrics.worker.observe(completions, events, committedAt);
  c.connectors.onOutcome = (outcome) => metrics.connectors.observe(outcome);
}
