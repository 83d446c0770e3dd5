import { parseJsonBody } from '../appdirect-api/appdirect-api-client';
import { itemsOf, nextIndex } from '../appdirect-api/list-pages';
import { RESOURCE_LISTINGS } from '../appdirect-api/resource-catalog';
import type { BackfillEntity } from '../config/appdirect-api-schema';
import { snapshotDelivery, snapshotTimestamp, type SnapshotDelivery } from './snapshot-delivery';

/** The longest resource id the inbox stores (ENVELOPE_LIMITS.resourceUuid). */
export const MAX_RESOURCE_ID = 255;

/** One listed page as it came, and what is needed to turn its items into deliveries. Plain data: it crosses to a thread. */
export interface SnapshotPageInput {
  entity: BackfillEntity;
  /** The list path read (for error messages). */
  path: string;
  index: number;
  pageSize: number;
  /** The company of a per-company list (memberships). */
  parent: string | undefined;
  /** The response body (JSON, or empty for 204). */
  bytes: Uint8Array;
  serverDate: number | undefined;
  roundTripMs: number;
  /** This host's clock when the page was committed for, for pages without a `Date` header (ADR 0027). */
  localNow: number;
  /** The marketplace's base URL, for each delivery's `resource.url`. */
  baseUrl: string;
}

/** A listed page turned into deliveries: the paging position, counts, and one delivery per usable item. */
export interface SnapshotPage {
  index: number;
  next: number | null;
  /** Items in the whole listing when the page says (Spring pages, orders). */
  total: number | undefined;
  /** Items on the page. */
  listed: number;
  /** Items without a usable id (none, or longer than the inbox stores): left out. */
  skipped: number;
  /** The listing's snapshot time by this page (the marketplace's clock), when it had a usable item. */
  listedAt: number | undefined;
  deliveries: SnapshotDelivery[];
}

/**
 * Parses a listed page and builds the delivery of each item (snapshot-delivery.ts): a pure function of the bytes,
 * run on the snapshot thread (snapshot-preparer.ts) so that parsing, adapting, hashing and serializing stay off the
 * thread that commits to the inbox and applies events.
 * @throws AppError APPDIRECT_API_BAD_RESPONSE when the body is not JSON or has no items array.
 */
export function snapshotPage(input: SnapshotPageInput): SnapshotPage {
  const listing = RESOURCE_LISTINGS[input.entity];
  const body = parseJsonBody(input.bytes, input.path);
  const items = itemsOf(body, listing, input.path);
  const response = { serverDate: input.serverDate, roundTripMs: input.roundTripMs };
  const baseUrl = new URL(input.baseUrl);
  const deliveries: SnapshotDelivery[] = [];
  let skipped = 0;
  for (const item of items) {
    const id = listing.idOf(item, input.parent);
    if (id === undefined || id.length > MAX_RESOURCE_ID) {
      skipped += 1;
      continue;
    }
    deliveries.push(snapshotDelivery(listing, item, id, snapshotTimestamp(response, item, input.localNow), baseUrl));
  }
  return {
    index: input.index,
    next: nextIndex(listing, body, input.index, items.length, input.pageSize),
    total: totalOf(body),
    listed: items.length,
    skipped,
    // The listing's own time is its first read, by the marketplace's clock, not an item's lastModified.
    listedAt: deliveries.length > 0 ? snapshotTimestamp(response, {}, input.localNow) : undefined,
    deliveries,
  };
}

/** The size of the whole listing, when the page says: `page.totalElements` (Spring) or `total` (orders). */
function totalOf(body: unknown): number | undefined {
  const b = body as { page?: { totalElements?: unknown }; total?: unknown } | null;
  const n = Number(b?.page?.totalElements ?? b?.total);
  return Number.isFinite(n) ? n : undefined;
}
