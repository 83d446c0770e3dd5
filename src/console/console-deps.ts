import type { AdminRouterDeps } from '../admin/admin-router';
import type { ApiKeyStore } from '../auth/api-key-store';
import type { AdminAuditEntry } from '../admin/admin-audit-store';
import type { ConsoleSessionStore } from '../auth/console-session-store';
import type { ConnectorFailureService } from '../connectors/connector-failure-service';
import type { Clock } from '../core/clock';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import type { CompiledMapping } from '../mapping';
import type { DbSnapshot } from '../metrics/knex-metrics-store';

/**
 * What the console reads and drives: the admin API's own stores and services (so a retry from the console follows
 * the same rules and writes the same audit row), the database gauges of the overview, and its sessions.
 */
export interface ConsoleDeps {
  admin: Omit<AdminRouterDeps, 'auth'>;
  /** Events by status, the oldest waiting event, consumers' lag and records per entity (the metrics' reads). */
  snapshot: () => Promise<DbSnapshot>;
  /** Parked connector changes: list, retry, skip (what `connectors failures` and the admin API call). */
  connectorFailures: ConnectorFailureService;
  /** Writes one admin_audit row in its own transaction (a parked change's retry talks to the destination first). */
  auditNow: (entry: AdminAuditEntry) => Promise<void>;
  /** The loaded mappings, to choose one in the playground. */
  mappingList: () => CompiledMapping[];
  sessions: ConsoleSessionStore;
  apiKeys: ApiKeyStore;
  limiter: FailedAuthLimiter;
  clock: Clock;
  /** console.sessionIdleMinutes */
  idleMinutes: number;
}
