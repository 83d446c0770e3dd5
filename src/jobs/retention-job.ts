import type { Logger } from '../core/logger';
import type { EventAdminStore } from '../inbox/event-admin-store';
import type { Job } from './job-schedule';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Payload retention: the bodies of processed inbox events are kept `days` days (AppDirect keeps 90), then
 * emptied. The row stays, with its envelope fields, status and body hash, so dedupe still recognises a
 * re-sent delivery and `events show` can say when the payload went.
 *
 * @remarks Only `done` and `stale` events are purged. `accepted`, `failed`, `dead` and `unmapped` events are
 * still to be processed or re-driven and need their body, whatever their age.
 */
export class RetentionJob implements Job {
  readonly name = 'retention';
  readonly unit = 'payloads purged';

  constructor(
    private readonly events: EventAdminStore,
    private readonly days: number,
    readonly schedule: string,
    private readonly logger: Logger,
  ) {}

  /** The job handler; callable without cron (`appdirect-sync jobs run retention`, tests). */
  async run(now: Date): Promise<number> {
    return this.purgeProcessedPayloads(now);
  }

  /** Purges payloads of done and stale events processed more than `days` days before `now`; returns how many. */
  async purgeProcessedPayloads(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.days * DAY_MS);
    const purged = await this.events.purgeProcessedPayloads(before, now);
    this.logger.info({ purged, processedBefore: before.toISOString(), days: this.days }, 'payloads purged');
    return purged;
  }
}
