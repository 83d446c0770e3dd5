import type { ResourceListing } from '../appdirect-api/resource-catalog';
import type { Knex } from 'knex';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { withTransaction } from '../db/transaction';
import type { InboxStore, NewDelivery } from '../inbox/inbox-store';
import type { BackfillCheckpoint, BackfillCheckpointStore } from './backfill-checkpoint-store';
import type { EntityOutcome } from './backfill-service';
import type { SnapshotDelivery } from './snapshot-delivery';
import type { SnapshotPage } from './snapshot-page';

/** What committing a listing's pages needs of the backfill's dependencies. */
export interface SnapshotCommitDeps {
  source: string;
  db: Knex;
  inbox: InboxStore;
  checkpoints: BackfillCheckpointStore;
  clock: Clock;
  logger: Logger;
  onAccepted?: () => void;
}

/**
 * Some pages' deliveries, those the inbox lacks, committed in one transaction, with `position` (the checkpoint after
 * these pages, when the listing keeps one) saved in the same transaction: one commit, one fsync, and the position can
 * never run ahead of what was committed (ADR 0036). Counts the pages into `outcome`.
 */
export async function commitSnapshotPages(
  deps: SnapshotCommitDeps,
  listing: ResourceListing,
  pages: SnapshotPage[],
  outcome: EntityOutcome,
  position: BackfillCheckpoint | undefined,
): Promise<void> {
  const byUuid = new Map<string, SnapshotDelivery>();
  for (const page of pages) {
    outcome.pages += 1;
    outcome.listed += page.listed;
    outcome.listedAt ??= page.listedAt;
    if (page.skipped > 0) {
      outcome.skipped += page.skipped;
      deps.logger.warn(
        { source: deps.source, entity: listing.entity, index: page.index, skipped: page.skipped },
        'listed item without a usable id skipped',
      );
    }
    for (const delivery of page.deliveries) {
      outcome.ids?.add(delivery.resourceUuid);
      byUuid.set(delivery.uuid, delivery);
    }
  }
  const receivedAt = deps.clock.now();
  const deliveries = [...byUuid.values()].map((d) => asDelivery(deps.source, listing, d, receivedAt));
  // May run twice (a SQLite lock met, withTransaction): it only writes, and the counts move after the commit.
  const accepted = await withTransaction(deps.db, async (trx) => {
    const added = deliveries.length === 0 ? 0 : await deps.inbox.acceptNew(trx, deliveries);
    if (position) {
      await deps.checkpoints.save({ ...position, listed: outcome.listed, accepted: outcome.accepted + added }, receivedAt, trx);
    }
    return added;
  });
  outcome.accepted += accepted;
  outcome.unchanged += byUuid.size - accepted;
  if (accepted > 0) deps.onAccepted?.();
}

/** A listed item as the inbox takes a webhook: an ADDED snapshot, its principal naming the listing. */
function asDelivery(source: string, listing: ResourceListing, d: SnapshotDelivery, receivedAt: Date): NewDelivery {
  return {
    source,
    envelope: {
      uuid: d.uuid,
      timestamp: d.timestamp,
      resourceType: listing.resourceType,
      resourceUuid: d.resourceUuid,
      resourceAction: 'ADDED',
    },
    body: d.body,
    bodySha256: d.bodySha256,
    principal: `backfill:${listing.entity}`,
    receivedAt,
  };
}
