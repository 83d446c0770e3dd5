import type { AppdirectApiClient } from '../appdirect-api/appdirect-api-client';
import { listPages, type ListedPage } from '../appdirect-api/list-pages';
import { RESOURCE_LISTINGS, type ResourceListing } from '../appdirect-api/resource-catalog';
import { BACKFILL_ENTITIES, type BackfillEntity } from '../config/appdirect-api-schema';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { InboxStore } from '../inbox/inbox-store';
import type { BackfillCheckpoint, BackfillCheckpointStore } from './backfill-checkpoint-store';
import { snapshotDelivery, snapshotTimestamp, type SnapshotDelivery } from './snapshot-delivery';

/** What one entity's listing did. `unchanged`: listed items whose snapshot the inbox already held. */
export interface EntityOutcome {
  entity: BackfillEntity;
  listed: number;
  accepted: number;
  unchanged: number;
  /** Items without a usable id (none, or longer than the inbox stores): logged and left out. */
  skipped: number;
  pages: number;
  /** The page (or first index) a resumed listing started from; 0 for a fresh one. */
  resumedFrom: number;
  /** The resource ids listed (reconcile compares them with the store); only kept when asked for. */
  ids?: Set<string>;
  /** Snapshot time of the listing's first page (epoch ms, the marketplace's clock). */
  listedAt: number | undefined;
}

/** Progress of one entity, after each page: for the progress bars and plain lines of the CLI. */
export interface EntityProgress {
  entity: BackfillEntity;
  listed: number;
  accepted: number;
  /** Items in the whole listing when the API says (Spring pages, orders); undefined for the bare-array lists. */
  total: number | undefined;
}

export interface ListOptions {
  /** Only items modified since (epoch ms), on the lists that have a lastModified filter; the others list everything. */
  since?: number;
  /** Keep the listed ids (reconcile). */
  collectIds?: boolean;
  /** Continue from the checkpoint of an unfinished listing (backfill); reconcile always lists from the start. */
  resume?: boolean;
  onProgress?: (p: EntityProgress) => void;
  /** Called after each page's deliveries are committed (the CLI drains the worker there). */
  afterPage?: () => Promise<void>;
  signal?: AbortSignal;
}

export interface BackfillDeps {
  source: string;
  api: AppdirectApiClient;
  inbox: InboxStore;
  checkpoints: BackfillCheckpointStore;
  clock: Clock;
  logger: Logger;
  pageSize: number;
  /** Pages are held until this many items, then committed in one transaction (and checkpointed): a commit per page would cost an fsync per 100 items. */
  commitItems: number;
  /** Wakes a worker of this process after a commit. */
  onAccepted?: () => void;
}

type OnPages = (pages: ListedPage[], parent: string | undefined, total: number | undefined) => Promise<void>;

/** The longest resource id the inbox stores (ENVELOPE_LIMITS.resourceUuid). */
const MAX_RESOURCE_ID = 255;

/**
 * Lists every resource of an entity through the marketplace's REST API and commits each item to the inbox as a
 * webhook-shaped delivery (snapshot-delivery.ts), so the worker maps and applies it like any webhook: mapping files,
 * ordering rule, change log. The position is checkpointed after each page's commit.
 *
 * @remarks Idempotent: an item's delivery uuid is its id and content hash, and a uuid the inbox already holds is not
 * sent again, so a second run adds no event and no change. Resumable: a listing interrupted (a crash, Ctrl-C, the
 * API failing past its retries) continues from its checkpoint on the next run.
 */
export class BackfillService {
  constructor(private readonly deps: BackfillDeps) {}

  get source(): string {
    return this.deps.source;
  }

  /**
   * Backfills the entities in order (companies before memberships), each from its checkpoint.
   * @throws AppError BACKFILL_UNKNOWN_ENTITY, or what a listing throws (its checkpoint stays for the next run).
   */
  async run(entities: readonly string[], options: Omit<ListOptions, 'resume' | 'collectIds'> = {}): Promise<EntityOutcome[]> {
    const outcomes: EntityOutcome[] = [];
    for (const entity of checkedEntities(entities)) {
      const outcome = await this.listEntity(entity, { ...options, resume: true });
      this.deps.logger.info(
        { source: this.deps.source, entity, listed: outcome.listed, accepted: outcome.accepted, unchanged: outcome.unchanged },
        'backfill listing done',
      );
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** Lists one entity; see ListOptions. */
  async listEntity(entity: BackfillEntity, options: ListOptions = {}): Promise<EntityOutcome> {
    const listing = RESOURCE_LISTINGS[entity];
    const saved = options.resume ? await this.deps.checkpoints.get(this.deps.source, entity) : undefined;
    const resuming = saved !== undefined && saved.nextIndex !== null;
    const now = this.deps.clock.now();
    const checkpoint: BackfillCheckpoint = {
      source: this.deps.source,
      entity,
      nextIndex: resuming ? saved.nextIndex : 0,
      parentIndex: resuming ? saved.parentIndex : listing.perCompany ? 0 : null,
      listed: resuming ? saved.listed : 0,
      accepted: resuming ? saved.accepted : 0,
      watermark: saved?.watermark ?? null,
      runs: saved?.runs ?? 0,
      startedAt: resuming ? saved.startedAt : now,
      completedAt: null,
    };
    const outcome: EntityOutcome = {
      entity,
      listed: checkpoint.listed,
      accepted: checkpoint.accepted,
      unchanged: 0,
      skipped: 0,
      pages: 0,
      resumedFrom: checkpoint.nextIndex ?? 0,
      ids: options.collectIds ? new Set() : undefined,
      listedAt: undefined,
    };
    if (options.resume) await this.deps.checkpoints.save(checkpoint, now);
    const query: Record<string, string> = {};
    if (options.since !== undefined && listing.lastModifiedFilter) query[listing.lastModifiedFilter] = String(options.since);

    const onPages = async (pages: ListedPage[], parent: string | undefined, total: number | undefined) => {
      await this.commitPages(listing, pages, parent, outcome);
      // A per-company list's end is not the listing's: resuming there re-reads that company (harmlessly), never starts over.
      checkpoint.nextIndex = pages[pages.length - 1]?.next ?? (listing.perCompany ? 0 : null);
      checkpoint.listed = outcome.listed;
      checkpoint.accepted = outcome.accepted;
      if (options.resume) await this.deps.checkpoints.save(checkpoint, this.deps.clock.now());
      options.onProgress?.({ entity, listed: outcome.listed, accepted: outcome.accepted, total });
      await options.afterPage?.();
    };

    if (listing.perCompany) await this.listPerCompany(listing, checkpoint, query, onPages, options);
    else await this.listFrom(listing, listing.path, query, checkpoint.nextIndex ?? 0, undefined, onPages, options.signal);

    const done = this.deps.clock.now();
    if (options.resume) {
      await this.deps.checkpoints.save(
        { ...checkpoint, nextIndex: null, parentIndex: null, completedAt: done, watermark: outcome.listedAt ?? checkpoint.watermark },
        done,
      );
    } else {
      // A listing that keeps no position (reconcile) moves the watermark only: a backfill left unfinished keeps its place.
      const current = (await this.deps.checkpoints.get(this.deps.source, entity)) ?? { ...checkpoint, nextIndex: null, parentIndex: null };
      await this.deps.checkpoints.save({ ...current, watermark: outcome.listedAt ?? current.watermark }, done);
    }
    return outcome;
  }

  private async listFrom(
    listing: ResourceListing,
    path: string,
    query: Record<string, string>,
    from: number,
    parent: string | undefined,
    onPages: OnPages,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let held: ListedPage[] = [];
    let heldItems = 0;
    for await (const page of listPages(this.deps.api, listing, path, query, this.deps.pageSize, from)) {
      signal?.throwIfAborted();
      held.push(page);
      heldItems += page.items.length;
      if (heldItems < this.deps.commitItems && page.next !== null) continue;
      // A per-company list's total is that company's, not the entity's.
      await onPages(held, parent, parent === undefined ? totalOf(page.response.body) : undefined);
      held = [];
      heldItems = 0;
    }
    if (held.length > 0) await onPages(held, parent, undefined);
  }

  /** Memberships: the companies are listed, and each company's memberships; the checkpoint counts companies done. */
  private async listPerCompany(
    listing: ResourceListing,
    checkpoint: BackfillCheckpoint,
    query: Record<string, string>,
    onPages: OnPages,
    options: ListOptions,
  ): Promise<void> {
    const companies = RESOURCE_LISTINGS.company;
    let companyIndex = 0;
    for await (const page of listPages(this.deps.api, companies, companies.path, {}, this.deps.pageSize)) {
      for (const company of page.items) {
        const uuid = companies.idOf(company);
        if (uuid === undefined || companyIndex++ < (checkpoint.parentIndex ?? 0)) continue;
        const path = listing.path.replace('{companyUuid}', encodeURIComponent(uuid));
        await this.listFrom(listing, path, query, checkpoint.nextIndex ?? 0, uuid, onPages, options.signal);
        checkpoint.parentIndex = companyIndex;
        checkpoint.nextIndex = 0;
        if (options.resume) await this.deps.checkpoints.save(checkpoint, this.deps.clock.now());
      }
    }
  }

  /** Some pages' items as deliveries, those the inbox lacks committed in one transaction. */
  private async commitPages(
    listing: ResourceListing,
    pages: ListedPage[],
    parent: string | undefined,
    outcome: EntityOutcome,
  ): Promise<void> {
    const localNow = this.deps.clock.now().getTime();
    const byUuid = new Map<string, SnapshotDelivery>();
    for (const page of pages) {
      outcome.pages += 1;
      this.addDeliveries(listing, page, parent, outcome, localNow, byUuid);
    }
    const known = await this.deps.inbox.knownDeliveryUuids(this.deps.source, [...byUuid.keys()]);
    const fresh = [...byUuid.values()].filter((d) => !known.has(d.uuid));
    outcome.unchanged += byUuid.size - fresh.length;
    if (fresh.length === 0) return;
    const receivedAt = this.deps.clock.now();
    const outcomes = await this.deps.inbox.acceptBatch(
      fresh.map((d) => ({
        source: this.deps.source,
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
      })),
    );
    outcome.accepted += outcomes.filter((o) => o.status === 'accepted').length;
    this.deps.onAccepted?.();
  }

  private addDeliveries(
    listing: ResourceListing,
    page: ListedPage,
    parent: string | undefined,
    outcome: EntityOutcome,
    localNow: number,
    byUuid: Map<string, SnapshotDelivery>,
  ): void {
    for (const item of page.items) {
      outcome.listed += 1;
      const id = listing.idOf(item, parent);
      if (id === undefined || id.length > MAX_RESOURCE_ID) {
        outcome.skipped += 1;
        this.deps.logger.warn(
          { source: this.deps.source, entity: listing.entity, index: page.index },
          'listed item without a usable id skipped',
        );
        continue;
      }
      outcome.ids?.add(id);
      const timestamp = snapshotTimestamp(page.response, item, localNow);
      // The listing's own time is its first read, by the marketplace's clock, not an item's lastModified.
      outcome.listedAt ??= snapshotTimestamp(page.response, {}, localNow);
      const delivery = snapshotDelivery(listing, item, id, timestamp, this.deps.api.base);
      byUuid.set(delivery.uuid, delivery);
    }
  }
}

/**
 * The entities named, in BACKFILL_ENTITIES order.
 * @throws AppError BACKFILL_UNKNOWN_ENTITY naming the first unknown one.
 */
export function checkedEntities(names: readonly string[]): BackfillEntity[] {
  const unknown = names.find((n) => !(BACKFILL_ENTITIES as readonly string[]).includes(n));
  if (unknown !== undefined) {
    throw new AppError('BACKFILL_UNKNOWN_ENTITY', `unknown entity ${JSON.stringify(unknown)}; entities: ${BACKFILL_ENTITIES.join(', ')}`);
  }
  return BACKFILL_ENTITIES.filter((e) => names.includes(e));
}

/** The size of the whole listing, when the page says: `page.totalElements` (Spring) or `total` (orders). */
function totalOf(body: unknown): number | undefined {
  const b = body as { page?: { totalElements?: unknown }; total?: unknown } | null;
  const n = Number(b?.page?.totalElements ?? b?.total);
  return Number.isFinite(n) ? n : undefined;
}
