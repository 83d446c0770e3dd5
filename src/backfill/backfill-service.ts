import type { AppdirectApiClient, RawApiResponse } from '../appdirect-api/appdirect-api-client';
import { listDecodedPages, listPages } from '../appdirect-api/list-pages';
import { RESOURCE_LISTINGS, type ResourceListing } from '../appdirect-api/resource-catalog';
import { BACKFILL_ENTITIES, type BackfillEntity } from '../config/appdirect-api-schema';
import type { Knex } from 'knex';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { InboxStore } from '../inbox/inbox-store';
import type { BackfillCheckpoint, BackfillCheckpointStore } from './backfill-checkpoint-store';
import { commitSnapshotPages } from './snapshot-commit';
import type { SnapshotPage } from './snapshot-page';
import type { SnapshotPreparer } from './snapshot-preparer';
import { readAhead } from './read-ahead';

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
  /** Parses listed pages into deliveries (on a thread of its own under the composition root). */
  snapshots: SnapshotPreparer;
  /** For the transaction that commits some pages' deliveries together with the checkpoint after them. */
  db: Knex;
  /** Entities listed at a time by run() (appdirectApi.listConcurrency); 1 or none: one after another. */
  listConcurrency?: number;
}

/**
 * Entities whose listing waits for others': a membership is applied against its company and user, so those are
 * in the inbox (and, under the ordering rule, dated) first, as they were when every listing ran in turn.
 */
const LISTED_AFTER: Partial<Record<BackfillEntity, readonly BackfillEntity[]>> = { membership: ['company', 'user'] };

type OnPages = (pages: SnapshotPage[], parent: string | undefined, total: number | undefined) => Promise<void>;

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
   * Backfills the entities, each from its checkpoint, up to `listConcurrency` listings at a time (their requests
   * share the client's rate limiter). Each listing is a chain of requests whose every step needs this thread, which the
   * worker's apply transactions keep busy: several chains keep the marketplace busy meanwhile (ADR 0036).
   * Memberships start after companies and users are listed (LISTED_AFTER). The first listing to fail stops the others
   * at their next page; every checkpoint stays for the next run.
   * @throws AppError BACKFILL_UNKNOWN_ENTITY, or what the first failing listing throws.
   */
  async run(entities: readonly string[], options: Omit<ListOptions, 'resume' | 'collectIds'> = {}): Promise<EntityOutcome[]> {
    const queue = checkedEntities(entities);
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    // The CLI drains the worker after a page: one drain at a time, whichever listing asks.
    const afterPage = options.afterPage && serialized(options.afterPage);
    const listings = new Map<BackfillEntity, Promise<EntityOutcome>>();
    let failure: { error: unknown } | undefined;
    const lane = async () => {
      for (let entity = queue.shift(); entity !== undefined && !failure; entity = queue.shift()) {
        const listing = this.listAfter(entity, listings, { ...options, afterPage, signal, resume: true });
        listings.set(entity, listing);
        try {
          await listing;
        } catch (error) {
          failure ??= { error };
          stop.abort();
        }
      }
    };
    const lanes = Math.max(1, Math.min(this.deps.listConcurrency ?? 1, queue.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failure) throw failure.error;
    return Promise.all(listings.values());
  }

  /** One entity's listing once those it must follow are done (each started earlier: queues keep BACKFILL_ENTITIES order). */
  private async listAfter(
    entity: BackfillEntity,
    listings: ReadonlyMap<BackfillEntity, Promise<EntityOutcome>>,
    options: ListOptions,
  ): Promise<EntityOutcome> {
    for (const before of LISTED_AFTER[entity] ?? []) await listings.get(before);
    const outcome = await this.listEntity(entity, options);
    this.deps.logger.info(
      { source: this.deps.source, entity, listed: outcome.listed, accepted: outcome.accepted, unchanged: outcome.unchanged },
      'backfill listing done',
    );
    return outcome;
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

    const onPages = async (pages: SnapshotPage[], parent: string | undefined, total: number | undefined) => {
      // A per-company list's end is not the listing's: resuming there re-reads that company (harmlessly), never starts over.
      const nextIndex = pages[pages.length - 1]?.next ?? (listing.perCompany ? 0 : null);
      await commitSnapshotPages(this.deps, listing, pages, outcome, options.resume ? { ...checkpoint, nextIndex } : undefined);
      checkpoint.nextIndex = nextIndex;
      checkpoint.listed = outcome.listed;
      checkpoint.accepted = outcome.accepted;
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
    let held: SnapshotPage[] = [];
    let heldItems = 0;
    const base = this.deps.api.base.toString();
    const decode = (response: RawApiResponse, index: number) =>
      this.deps.snapshots.prepare({
        entity: listing.entity,
        path,
        index,
        pageSize: this.deps.pageSize,
        parent,
        bytes: response.bytes,
        serverDate: response.serverDate,
        roundTripMs: response.roundTripMs,
        localNow: this.deps.clock.now().getTime(),
        baseUrl: base,
      });
    // One commit's pages are requested while the ones before are committed (and the worker applies): the requests
    // need this thread only between the worker's transactions, and no longer wait for the commit too.
    const ahead = Math.ceil(this.deps.commitItems / this.deps.pageSize);
    const pages = listDecodedPages(this.deps.api, listing, path, query, this.deps.pageSize, from, decode);
    for await (const page of readAhead(pages, ahead)) {
      signal?.throwIfAborted();
      held.push(page);
      heldItems += page.listed;
      if (heldItems < this.deps.commitItems && page.next !== null) continue;
      // A per-company list's total is that company's, not the entity's.
      await onPages(held, parent, parent === undefined ? page.total : undefined);
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
}

/** `fn`, called at most once at a time: a call while one runs waits for it, then runs. */
function serialized(fn: () => Promise<void>): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return () => {
    const run = last.then(fn);
    last = run.catch(() => undefined);
    return run;
  };
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
