import { Counter, Histogram, type Registry } from 'prom-client';
import type { EventCompletion } from '../inbox/inbox-queue';
import type { CompletedEvent } from '../worker/worker-handle';
import { METRIC_NAMES } from './metric-names';

/** The entity label of an event no mapping handles: a fixed word, never the delivery's (untrusted) resource type. */
export const UNMAPPED_ENTITY = '(unmapped)';
/** The code an unmapped event is counted with, as its warn line carries it (docs/errors.md). */
const UNMAPPED_CODE = 'MAPPING_NOT_FOUND';

/** Finds the entity a resource type maps to (the mapping registry); undefined when no mapping handles it. */
export type EntityOf = (resourceType: string) => string | undefined;

/**
 * What the worker of this process ended, counted after each committed batch (per process): outcomes by status and
 * code, mapping failures by entity and code, and the apply lag (received → committed) of every applied event.
 * @remarks The received time comes with the claim (ClaimedEvent.receivedAt), so observing the lag costs no query.
 */
export class WorkerMetrics {
  readonly events: Counter<'status' | 'code'>;
  readonly applyLag: Histogram;
  readonly mappingFailures: Counter<'entity' | 'code'>;

  constructor(
    registry: Registry,
    private readonly entityOf: EntityOf,
  ) {
    const registers = [registry];
    this.events = new Counter({
      name: METRIC_NAMES.workerEvents,
      help: 'Events the worker of this process ended, by status (done, stale, failed, unmapped, dead) and error code',
      labelNames: ['status', 'code'],
      registers,
    });
    this.applyLag = new Histogram({
      name: METRIC_NAMES.applyLag,
      help: 'Seconds from receiving a delivery to committing its record change, per event applied by this process',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400],
      registers,
    });
    this.mappingFailures = new Counter({
      name: METRIC_NAMES.mappingFailures,
      help: `Events this process ended failed or unmapped, by entity (${UNMAPPED_ENTITY} when no mapping handles the type) and error code`,
      labelNames: ['entity', 'code'],
      registers,
    });
  }

  /** Counts one committed batch: `events` are the claimed events, `committedAt` the time the batch committed. */
  observe(completions: readonly EventCompletion[], events: readonly CompletedEvent[], committedAt: Date): void {
    const byId = events.length > 0 ? new Map(events.map((e) => [e.id, e])) : undefined;
    const at = committedAt.getTime();
    for (const c of completions) {
      if (c.errorCode === undefined) this.events.inc({ status: c.status });
      else this.events.inc({ status: c.status, code: c.errorCode });
      const event = byId?.get(c.id);
      if (!event) continue;
      if (c.status === 'done') this.applyLag.observe(Math.max(0, (at - event.receivedAt) / 1000));
      else if (c.status === 'unmapped') this.mappingFailures.inc({ entity: UNMAPPED_ENTITY, code: UNMAPPED_CODE });
      else if (c.status === 'failed') {
        // The entity of the mapping that failed; one removed by a reload since counts as unmapped.
        this.mappingFailures.inc({
          entity: this.entityOf(event.resourceType) ?? UNMAPPED_ENTITY,
          code: c.errorCode ?? 'WORKER_MAPPING_ERROR',
        });
      }
    }
  }
}
