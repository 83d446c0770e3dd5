import type { ConnectorFailure } from './connector-failure-store';

/** A parked change as the CLI's --json and the admin API show it. */
export function failureJson(f: ConnectorFailure): Record<string, unknown> {
  return {
    id: f.id,
    connector: f.connector,
    cursor: String(f.seq),
    source: f.source,
    entity: f.entity,
    key: f.key,
    kind: f.kind,
    state: f.state,
    code: f.code,
    status: f.status ?? null,
    response: f.response ?? null,
    message: f.message,
    attempts: f.attempts,
    firstFailedAt: f.firstFailedAt.toISOString(),
    lastFailedAt: f.lastFailedAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
    supersededBy: f.supersededBy === null ? null : String(f.supersededBy),
    data: f.change.data,
  };
}
