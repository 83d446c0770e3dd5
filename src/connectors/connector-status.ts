import type { Config } from '../config/config-schema';
import type { FeedService } from '../feed/feed-service';
import { consumerNameOf } from './connector';
import type { RunOutcome } from './connector-runner';

/** One configured connector as `connectors list` and `GET /api/v1/admin/connectors` show it. */
export interface ConnectorStatus {
  name: string;
  type: 'http' | 'file' | 'database';
  enabled: boolean;
  schedule: string | null;
  /** Its consumer's checkpoint (0 when it never ran). */
  checkpoint: number;
  head: number;
  behind: number;
  oldestUnackedSeconds: number | null;
  /** When it last moved its checkpoint (from the database). */
  ackedAt: string | null;
  fellBehindRetention: boolean;
  /** Changes its destination refused that wait for `connectors failures retry|skip` (when counted). */
  parked?: number;
  /** The last run in this process, when it ran here (a scheduled run may happen on another instance). */
  lastRun?: { status: RunOutcome['status']; delivered: number; finishedAt: string; error: RunOutcome['error'] | null } | null;
}

/**
 * The configured connectors with their consumers' lag (FeedService.lag); one never run yet has checkpoint 0.
 * `lastOutcome` (ConnectorRunner.lastOutcome) adds the last run of this process.
 */
export async function connectorStatuses(
  feed: Pick<FeedService, 'lag' | 'head'>,
  configs: Readonly<Config['connectors']>,
  lastOutcome?: (name: string) => RunOutcome | undefined,
  parked?: ReadonlyMap<string, number>,
): Promise<ConnectorStatus[]> {
  const lags = new Map((await feed.lag()).map((l) => [l.name, l]));
  const head = await feed.head();
  return Object.entries(configs).map(([name, c]) => {
    const lag = lags.get(consumerNameOf(name));
    const status: ConnectorStatus = {
      name,
      type: c.type,
      enabled: c.enabled,
      schedule: c.schedule ?? null,
      checkpoint: lag?.cursor ?? 0,
      head,
      behind: lag?.behind ?? head,
      oldestUnackedSeconds: lag?.oldestUnackedSeconds ?? null,
      ackedAt: lag?.ackedAt?.toISOString() ?? null,
      fellBehindRetention: lag?.fellBehindRetention ?? false,
    };
    if (parked) status.parked = parked.get(name) ?? 0;
    if (lastOutcome) {
      const o = lastOutcome(name);
      status.lastRun = o
        ? { status: o.status, delivered: o.delivered, finishedAt: o.finishedAt.toISOString(), error: o.error ?? null }
        : null;
    }
    return status;
  });
}
