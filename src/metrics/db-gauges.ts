import { Gauge, type Registry } from 'prom-client';
import type { DbSnapshot } from './knex-metrics-store';
import { METRIC_NAMES } from './metric-names';

/**
 * The gauges read from the shared database at scrape (`snap` is one cached snapshot per scrape), so several
 * instances on one PostgreSQL report the same values and dashboards take their `max`.
 */
export function registerDbGauges(registry: Registry, snap: () => Promise<DbSnapshot>, nowMs: () => number): void {
  const registers = [registry];
  new Gauge({
    name: METRIC_NAMES.events,
    help: 'Inbox events by status (the waiting and attention statuses), from the database',
    labelNames: ['status'],
    registers,
    async collect() {
      for (const [status, n] of (await snap()).eventsByStatus) this.set({ status }, n);
    },
  });
  new Gauge({
    name: METRIC_NAMES.oldestUnprocessed,
    help: 'Age in seconds of the oldest delivery not yet processed by the worker (0 when none waits), from the database',
    registers,
    async collect() {
      const at = (await snap()).oldestUnprocessedAt;
      this.set(at ? Math.max(0, (nowMs() - at.getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: METRIC_NAMES.changeLogHead,
    help: 'Sequence number of the newest change in the change log, from the database',
    registers,
    async collect() {
      this.set((await snap()).changeLogHead);
    },
  });
  new Gauge({
    name: METRIC_NAMES.consumerLagChanges,
    help: 'Changes a named consumer has not acknowledged yet (head minus its cursor), from the database',
    labelNames: ['consumer'],
    registers,
    async collect() {
      const s = await snap();
      this.reset();
      for (const c of s.consumers) this.set({ consumer: c.name }, c.behind);
    },
  });
  new Gauge({
    name: METRIC_NAMES.consumerLagSeconds,
    help: 'Age in seconds of the oldest change a named consumer has not acknowledged (0 when caught up), from the database',
    labelNames: ['consumer'],
    registers,
    async collect() {
      const s = await snap();
      this.reset();
      for (const c of s.consumers) this.set({ consumer: c.name }, c.oldestUnackedSeconds);
    },
  });
  new Gauge({
    name: METRIC_NAMES.consumerLastAck,
    help: 'Unix time a named consumer (a connector: connector:<name>) last moved its checkpoint (0 never), from the database',
    labelNames: ['consumer'],
    registers,
    async collect() {
      const s = await snap();
      this.reset();
      for (const c of s.consumers) this.set({ consumer: c.name }, c.ackedAt ? c.ackedAt.getTime() / 1000 : 0);
    },
  });
  new Gauge({
    name: METRIC_NAMES.records,
    help: 'Records in the record store by entity and deleted (true: tombstones), from the database',
    labelNames: ['entity', 'deleted'],
    registers,
    async collect() {
      const s = await snap();
      this.reset();
      for (const r of s.records ?? []) this.set({ entity: r.entity, deleted: String(r.deleted) }, r.count);
    },
  });
}
