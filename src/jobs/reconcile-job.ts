import type { EntityFindings, ReconcileService } from '../backfill/reconcile-service';
import type { Job, JobCounts } from './job-schedule';

/**
 * `reconcile:<source>`: the marketplace against the store, on `appdirectApi.reconcile.schedule` (or on demand,
 * `appdirect-sync jobs run reconcile:<source>`), under the job lock of the one scheduler. See ReconcileService.
 */
export class ReconcileJob implements Job {
  readonly name: string;

  constructor(
    source: string,
    readonly schedule: string | undefined,
    private readonly service: () => ReconcileService,
  ) {
    this.name = `reconcile:${source}`;
  }

  async run(_now: Date, signal?: AbortSignal): Promise<JobCounts> {
    return countsOf(await this.service().run(signal));
  }
}

/** Findings as `jobs run` prints them: `company missing locally: 1`, in entity order. */
export function countsOf(findings: EntityFindings[]): JobCounts {
  const counts: Record<string, number> = {};
  for (const f of findings) {
    counts[`${f.entity} listed (${f.mode})`] = f.listed;
    counts[`${f.entity} missing locally`] = f.missingLocally;
    counts[`${f.entity} missing remotely`] = f.missingRemotely;
    if (f.tombstoned > 0) counts[`${f.entity} tombstoned`] = f.tombstoned;
  }
  return counts;
}
