import { RESOURCE_LISTINGS } from '../appdirect-api/resource-catalog';
import { BACKFILL_ENTITIES, type AppdirectApiConfig, type BackfillEntity } from '../config/appdirect-api-schema';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { InboxStore } from '../inbox/inbox-store';
import type { RecordStore } from '../records/record-store';
import type { BackfillCheckpointStore } from './backfill-checkpoint-store';
import type { BackfillService } from './backfill-service';
import { missingDelivery } from './snapshot-delivery';

/** What one entity's reconciliation found. */
export interface EntityFindings {
  source: string;
  entity: BackfillEntity;
  mode: 'full' | 'incremental';
  listed: number;
  /** Listed by AppDirect, absent from the store: brought in (as snapshots through the inbox). */
  missingLocally: number;
  /** In the store (not deleted), no longer listed by AppDirect (full listings only): reported, tombstoned if configured. */
  missingRemotely: number;
  tombstoned: number;
}

/** Observes findings: the metrics of `serve` count them. */
export type FindingsObserver = (findings: EntityFindings) => void;

/** Ids of listed records on which a full listing cannot decide "missing remotely" (ADR 0028: keys differ from webhooks'). */
const KEYS_MAY_DIFFER: ReadonlySet<BackfillEntity> = new Set(['membership', 'invoice']);

/** At most this many missing keys are named in the log per entity and run; the rest are counted. */
const LOGGED_KEYS = 20;

export interface ReconcileDeps {
  backfill: BackfillService;
  config: AppdirectApiConfig;
  records: RecordStore;
  inbox: InboxStore;
  checkpoints: BackfillCheckpointStore;
  /** The mapped entity of a resource type (records are stored under it), from the loaded mapping files. */
  entityOf(resourceType: string): string | undefined;
  clock: Clock;
  logger: Logger;
  onFindings?: FindingsObserver;
}

/**
 * Compares a source's marketplace with the store: incremental (lastModified since the last complete listing) where
 * the API allows it, a full listing every `reconcile.fullEvery` runs and for the entities without a date filter.
 * What AppDirect has and the store lacks is brought in through the same path as a backfill; what the store has and a
 * full listing no longer shows is reported, and tombstoned only with `reconcile.tombstoneMissing`.
 * @remarks Reads no table it does not own: records through the records store, the inbox through its store.
 */
export class ReconcileService {
  constructor(private readonly deps: ReconcileDeps) {}

  async run(signal?: AbortSignal): Promise<EntityFindings[]> {
    const entities = this.deps.config.reconcile.entities ?? [...BACKFILL_ENTITIES];
    const out: EntityFindings[] = [];
    for (const entity of BACKFILL_ENTITIES.filter((e) => entities.includes(e))) {
      signal?.throwIfAborted();
      out.push(await this.reconcileEntity(entity, signal));
    }
    return out;
  }

  private async reconcileEntity(entity: BackfillEntity, signal: AbortSignal | undefined): Promise<EntityFindings> {
    const { source } = this.deps.backfill;
    const listing = RESOURCE_LISTINGS[entity];
    const saved = await this.deps.checkpoints.get(source, entity);
    const runs = saved?.runs ?? 0;
    const incremental =
      listing.lastModifiedFilter !== undefined && saved?.watermark != null && runs % this.deps.config.reconcile.fullEvery !== 0;
    const recordEntity = this.deps.entityOf(listing.resourceType);
    const localBefore = recordEntity === undefined ? new Map<string, number>() : await this.localKeys(source, recordEntity);
    const outcome = await this.deps.backfill.listEntity(entity, {
      since: incremental ? (saved?.watermark ?? undefined) : undefined,
      collectIds: true,
      signal,
    });
    const listed = outcome.ids ?? new Set<string>();
    const missingLocally = [...listed].filter((id) => !localBefore.has(id));
    const missingRemotely = incremental || KEYS_MAY_DIFFER.has(entity) ? [] : [...localBefore.keys()].filter((k) => !listed.has(k));
    const findings: EntityFindings = {
      source,
      entity,
      mode: incremental ? 'incremental' : 'full',
      listed: outcome.listed,
      missingLocally: missingLocally.length,
      missingRemotely: missingRemotely.length,
      tombstoned: 0,
    };
    if (missingRemotely.length > 0 && this.deps.config.reconcile.tombstoneMissing && outcome.listedAt !== undefined) {
      // A record whose version is not older than the listing changed around it: the next run decides (ADR 0027).
      const listedAt = outcome.listedAt;
      const settled = missingRemotely.filter((k) => (localBefore.get(k) ?? 0) < listedAt);
      findings.tombstoned = await this.tombstone(listing.resourceType, settled, listedAt);
    }
    const after = await this.deps.checkpoints.get(source, entity);
    if (after) await this.deps.checkpoints.save({ ...after, runs: runs + 1 }, this.deps.clock.now());
    this.report(findings, missingLocally, missingRemotely);
    return findings;
  }

  /** The keys of the source's live records of an entity, with their version's timestamp, page by page. */
  private async localKeys(source: string, entity: string): Promise<Map<string, number>> {
    const keys = new Map<string, number>();
    for (let after: { source: string; key: string } | undefined; ;) {
      const page = await this.deps.records.list({ entity, source, deleted: false, after, limit: 1000 });
      for (const r of page) keys.set(r.key, r.version.timestamp);
      const last = page[page.length - 1];
      if (!last || page.length < 1000) return keys;
      after = { source, key: last.key };
    }
  }

  /** A REMOVED per missing record, dated at the listing's snapshot time: a newer webhook still wins (ADR 0027). */
  private async tombstone(resourceType: string, keys: string[], listedAt: number): Promise<number> {
    if (keys.length === 0) return 0;
    const source = this.deps.backfill.source;
    const deliveries = keys.map((k) => missingDelivery(resourceType, k, listedAt));
    const receivedAt = this.deps.clock.now();
    const outcomes = await this.deps.inbox.acceptBatch(
      deliveries.map((d) => ({
        source,
        envelope: { uuid: d.uuid, timestamp: d.timestamp, resourceType, resourceUuid: d.resourceUuid, resourceAction: 'REMOVED' },
        body: d.body,
        bodySha256: d.bodySha256,
        principal: 'reconcile',
        receivedAt,
      })),
    );
    return outcomes.filter((o) => o.status === 'accepted').length;
  }

  private report(f: EntityFindings, missingLocally: string[], missingRemotely: string[]): void {
    const fields = { source: f.source, entity: f.entity, mode: f.mode, listed: f.listed };
    if (f.missingLocally > 0) {
      this.deps.logger.warn(
        { ...fields, count: f.missingLocally, keys: missingLocally.slice(0, LOGGED_KEYS) },
        'reconcile: missing locally, brought in',
      );
    }
    if (f.missingRemotely > 0) {
      this.deps.logger.warn(
        { ...fields, count: f.missingRemotely, tombstoned: f.tombstoned, keys: missingRemotely.slice(0, LOGGED_KEYS) },
        'reconcile: no longer listed by the marketplace',
      );
    }
    this.deps.logger.info({ ...fields, missingLocally: f.missingLocally, missingRemotely: f.missingRemotely }, 'reconcile done');
    this.deps.onFindings?.(f);
  }
}
