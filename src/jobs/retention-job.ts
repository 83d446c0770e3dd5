import type { Config } from '../config/config-schema';
import type { Logger } from '../core/logger';
import type { Knex } from '../db/create-knex';
import type { KeysetPurge } from '../db/keyset-purge';
import type { ConsumerStore } from '../feed/consumer-store';
import type { EventAdminStore } from '../inbox/event-admin-store';
import { purgeChangesThrough, purgeInChunks } from './chunked-purges';
import type { JobCounts, Job } from './job-schedule';
import type { RetentionStore } from './retention-store';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Payloads purged per transaction, so retention never holds SQLite's write lock for long. */
const PAYLOAD_CHUNK = 1000;

/** What retention reads and deletes through. */
export interface RetentionDeps {
  /** The database the job's transactions run on: one short transaction per chunk. */
  db: Knex;
  events: EventAdminStore;
  store: RetentionStore;
  consumers: ConsumerStore;
}

/**
 * Retention of every table that grows with traffic, one run per tick under one job lock (JobSchedule):
 * payloads of processed events, then rows of processed (and, when configured, unresolved) inbox events, changes,
 * conflicts, rejected deliveries, old OAuth2 tokens, resolved connector failures and old admin audit rows (expired
 * console sessions go at each sign-in). Settings: `retention.*` (docs/configuration.md).
 *
 * @remarks Payloads of `accepted`, `failed`, `dead` and `unmapped` events are never purged: they are still to be
 * processed or re-driven. Changes are never purged past the checkpoint of a registered consumer, unless that
 * checkpoint is older than `changes.maxConsumerLagDays`; such a consumer is then logged as fallen behind, and its
 * reads answer FEED_CURSOR_EXPIRED instead of skipping (docs/adr/0016-retention.md).
 * The job opens the transactions, the stores take them: each purge is a keyset walk in chunks, one short
 * transaction per chunk, so writers keep committing while it runs (jobs/chunked-purges.ts).
 */
export class RetentionJob implements Job {
  readonly name = 'retention';
  readonly schedule: string;

  constructor(
    private readonly deps: RetentionDeps,
    private readonly config: Config['retention'],
    private readonly logger: Logger,
  ) {
    this.schedule = config.schedule;
  }

  /** The job handler; callable without cron (`appdirect-sync jobs run retention`, tests). */
  async run(now: Date): Promise<JobCounts> {
    const { db, store } = this.deps;
    const { chunkSize: chunk, inboxEvents, conflicts, rejectedDeliveries, oauthTokens, connectorFailures, adminAudit } = this.config;
    const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
    // One short transaction per chunk of `chunk` rows, so writers keep committing while a purge runs.
    const walk = (purge: KeysetPurge) => purgeInChunks(db, purge, chunk);
    const counts: Record<string, number> = {};
    counts['payloads purged'] = await this.purgeProcessedPayloads(now);
    counts['inbox events deleted'] =
      (inboxEvents.days === null ? 0 : await walk(store.inboxEvents(['done', 'stale'], 'processed_at', ago(inboxEvents.days)))) +
      (inboxEvents.unresolvedDays === null
        ? 0
        : await walk(store.inboxEvents(['failed', 'dead', 'unmapped'], 'received_at', ago(inboxEvents.unresolvedDays))));
    counts['changes deleted'] = await this.purgeChanges(now);
    counts['conflicts deleted'] = await walk(store.conflicts(ago(conflicts.days)));
    counts['rejected deliveries deleted'] = await walk(store.rejectedDeliveries(ago(rejectedDeliveries.days)));
    counts['oauth tokens deleted'] = await walk(store.oauthTokens(ago(oauthTokens.days)));
    counts['connector failures deleted'] = await walk(store.connectorFailures(ago(connectorFailures.days)));
    counts['admin audit rows deleted'] = await walk(store.adminAudit(ago(adminAudit.days)));
    this.logger.info({ ...counts }, 'retention done');
    return counts;
  }

  /** Purges payloads of done and stale events processed more than `days` days before `now`; returns how many. */
  async purgeProcessedPayloads(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.days * DAY_MS);
    const purged = await purgeInChunks(this.deps.db, this.deps.events.processedPayloads(before, now), PAYLOAD_CHUNK);
    this.logger.info({ purged, processedBefore: before.toISOString(), days: this.config.days }, 'payloads purged');
    return purged;
  }

  /**
   * Deletes changes older than `changes.days`, but never one a registered consumer has not acknowledged, unless
   * it is older than `changes.maxConsumerLagDays` too. Returns how many were deleted.
   */
  async purgeChanges(now: Date): Promise<number> {
    const { days, maxConsumerLagDays } = this.config.changes;
    if (days === null) return 0;
    const { store, consumers } = this.deps;
    let through = await store.lastSeqBefore(new Date(now.getTime() - days * DAY_MS));
    const horizon = await store.horizon();
    const registered = await consumers.list();
    // A consumer already below the horizon (fallen behind, or first seen after a purge) holds nothing back: what it
    // lacks is gone, and only a rewind on purpose, to the horizon or later, makes it read again.
    const holders = registered.filter((c) => c.cursor >= horizon);
    if (holders.length > 0) {
      let hold = Math.min(...holders.map((c) => c.cursor));
      if (maxConsumerLagDays !== null)
        hold = Math.max(hold, await store.lastSeqBefore(new Date(now.getTime() - maxConsumerLagDays * DAY_MS)));
      through = Math.min(through, hold);
    }
    // Never below the horizon: a run interrupted after raising it left rows under it, and this one finishes them.
    through = Math.max(through, horizon);
    if (through <= 0) return 0;
    const deleted = await purgeChangesThrough(this.deps.db, store, through, this.config.chunkSize, now);
    for (const c of registered) {
      if (c.cursor < through && c.cursor >= horizon) {
        // A person must act: the consumer missed changes for good and needs a rewind (and maybe a full resync).
        this.logger.error({ consumer: c.name, checkpoint: c.cursor, purgedThrough: through }, 'consumer fell behind retention');
      }
    }
    this.logger.info({ deleted, purgedThrough: through }, 'changes purged');
    return deleted;
  }
}
