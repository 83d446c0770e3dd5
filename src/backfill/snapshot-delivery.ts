import { createHash } from 'node:crypto';
import type { ApiResponse } from '../appdirect-api/appdirect-api-client';
import type { ResourceListing } from '../appdirect-api/resource-catalog';
import { canonicalJson } from '../records/canonical-json';

/** How far back a snapshot is dated when the marketplace sent no `Date` header: this host's clock may be ahead. */
export const NO_DATE_SKEW_MS = 5 * 60_000;

/** A listed item as a webhook delivery: the envelope the inbox stores, and its stable uuid. */
export interface SnapshotDelivery {
  uuid: string;
  resourceUuid: string;
  timestamp: number;
  body: Buffer;
  /** SHA-256 of `body`, as the inbox stores it (computed once here). */
  bodySha256: string;
}

/**
 * The version a listed item gets: the marketplace's own clock when the request reached it, so a snapshot never
 * outranks a webhook for a change it may not include (ADR 0027).
 *
 * @remarks `Date` has a 1 s resolution and is stamped when the answer leaves, so the read happened at most the
 * round trip before `floor(Date)`; the snapshot is dated at `floor(Date) - roundTrip`. An item's own `lastModified`
 * later than that (a change inside the window the answer holds) moves it up to `lastModified`. With no `Date`,
 * this host's clock less NO_DATE_SKEW_MS is used.
 */
export function snapshotTimestamp(
  response: Pick<ApiResponse, 'serverDate' | 'roundTripMs'>,
  item: Record<string, unknown>,
  localNow: number,
): number {
  const read = response.serverDate === undefined ? localNow - NO_DATE_SKEW_MS : Math.floor(response.serverDate / 1000) * 1000;
  const base = Math.max(0, read - response.roundTripMs);
  const lastModified = typeof item.lastModified === 'number' && Number.isSafeInteger(item.lastModified) ? item.lastModified : 0;
  return Math.max(base, lastModified);
}

/**
 * Builds the delivery a listed item becomes. Its uuid is `snapshot:<type>:<id>:<content hash>`, so listing the
 * same unchanged item again gives the same uuid (and the backfill skips it: no duplicate, no change), while a
 * changed item gives a new one. The action is ADDED, the lowest rank: at an equal timestamp a webhook wins.
 *
 * @remarks The content is serialized once, as canonical JSON: that text is both what the hash covers and the
 * `content` of the body, so a listed item costs one serialization, not two (docs/benchmarks.md, bench:backfill).
 * The body's content therefore has its keys sorted; JSON readers (the mappings) see the same value.
 */
export function snapshotDelivery(
  listing: ResourceListing,
  item: Record<string, unknown>,
  resourceUuid: string,
  timestamp: number,
  baseUrl: URL,
): SnapshotDelivery {
  const content = canonicalJson(listing.adapt(item));
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 32);
  const idPart = resourceUuid.length <= 150 ? resourceUuid : createHash('sha256').update(resourceUuid).digest('hex');
  const uuid = `snapshot:${listing.resourceType}:${idPart}:${hash}`;
  const url = new URL(listing.urlOf(resourceUuid), baseUrl).toString();
  // The envelope of JSON.stringify({uuid, timestamp, resourceAction, resource: {type, uuid, url, content}, origin}),
  // with the content's text put in as it is.
  const body =
    `{"uuid":${JSON.stringify(uuid)},"timestamp":${JSON.stringify(timestamp)},"resourceAction":"ADDED",` +
    `"resource":{"type":${JSON.stringify(listing.resourceType)},"uuid":${JSON.stringify(resourceUuid)},"url":${JSON.stringify(url)},` +
    `"content":${content}},"origin":"rest-snapshot"}`;
  return withSha({ uuid, resourceUuid, timestamp, body: Buffer.from(body) });
}

function withSha(d: Omit<SnapshotDelivery, 'bodySha256'>): SnapshotDelivery {
  return { ...d, bodySha256: createHash('sha256').update(d.body).digest('hex') };
}

/** A REMOVED for a record the marketplace no longer lists (reconcile with tombstoneMissing). */
export function missingDelivery(resourceType: string, resourceUuid: string, timestamp: number): SnapshotDelivery {
  const uuid = `reconcile-removed:${resourceType}:${resourceUuid.slice(0, 150)}:${timestamp}`;
  const envelope = {
    uuid,
    timestamp,
    resourceAction: 'REMOVED',
    resource: { type: resourceType, uuid: resourceUuid },
    origin: 'reconcile',
  };
  return withSha({ uuid, resourceUuid, timestamp, body: Buffer.from(JSON.stringify(envelope)) });
}
