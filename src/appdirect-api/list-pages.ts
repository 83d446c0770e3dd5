import { AppError } from '../core/app-error';
import { parseJsonBody, type ApiResponse, type AppdirectApiClient, type RawApiResponse } from './appdirect-api-client';
import type { ResourceListing } from './resource-catalog';

/** One page of a listing: its items, where the next page starts (null: this was the last) and the response it came in. */
export interface ListedPage {
  items: Record<string, unknown>[];
  /** The position this page was read at (page number, or first index for offset lists). */
  index: number;
  next: number | null;
  response: ApiResponse;
}

/**
 * Reads a listing page by page from `from` (a page number, or the first index for the offset lists), in any of
 * AppDirect's three paging styles: Spring pages `{content, page{number,totalPages}}` (`page`/`size`), bare arrays
 * (`start`/`count`, the last page is short) and the orders wrapper `{orders, total}` (`page`/`size`).
 * @remarks The position is what a checkpoint stores: reading again from it gives the same pages (as far as the
 * marketplace's order is stable; see docs/backfill.md).
 */
export async function* listPages(
  api: AppdirectApiClient,
  listing: ResourceListing,
  path: string,
  query: Record<string, string>,
  pageSize: number,
  from = 0,
): AsyncGenerator<ListedPage> {
  yield* listDecodedPages(api, listing, path, query, pageSize, from, ({ bytes, ...rest }, index) => {
    const body = parseJsonBody(bytes, path);
    const items = itemsOf(body, listing, path);
    return { items, index, next: nextIndex(listing, body, index, items.length, pageSize), response: { ...rest, body } };
  });
}

/**
 * The paging loop of listPages with the decoding of each page's bytes left to `decode`, which says where the next
 * page starts (from itemsOf and nextIndex): backfill decodes on a thread of its own (src/backfill/snapshot-preparer.ts).
 */
export async function* listDecodedPages<T extends { next: number | null }>(
  api: AppdirectApiClient,
  listing: ResourceListing,
  path: string,
  query: Record<string, string>,
  pageSize: number,
  from: number,
  decode: (response: RawApiResponse, index: number) => T | Promise<T>,
): AsyncGenerator<T> {
  for (let index: number | null = from; index !== null;) {
    const params =
      listing.paging === 'offset'
        ? { ...query, start: String(index), count: String(pageSize) }
        : { ...query, page: String(index), size: String(pageSize) };
    const page = await decode(await api.getBytes(path, params), index);
    yield page;
    index = page.next;
  }
}

/**
 * The items of a parsed page.
 * @throws AppError APPDIRECT_API_BAD_RESPONSE when the page has no array of items where its style puts it.
 */
export function itemsOf(body: unknown, listing: ResourceListing, path: string): Record<string, unknown>[] {
  // 204 No Content (documented on the invoice list) is an empty page.
  if (body === null || body === undefined || (Array.isArray(body) && body.length === 0)) return [];
  const list = listing.itemsKey === undefined ? body : (body as Record<string, unknown>)[listing.itemsKey];
  if (!Array.isArray(list)) {
    throw new AppError('APPDIRECT_API_BAD_RESPONSE', `${path}: the page has no ${listing.itemsKey ?? 'array'} of items`);
  }
  return list.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !Array.isArray(i));
}

/** Where the page after this one starts; null after the last. */
export function nextIndex(listing: ResourceListing, body: unknown, index: number, count: number, pageSize: number): number | null {
  if (count === 0) return null;
  if (listing.paging === 'offset') return count < pageSize ? null : index + count;
  if (listing.paging === 'orders') {
    const total = Number((body as { total?: unknown }).total);
    if (Number.isFinite(total)) return (index + 1) * pageSize >= total ? null : index + 1;
    return count < pageSize ? null : index + 1;
  }
  const page = (body as { page?: { number?: unknown; totalPages?: unknown } }).page;
  const totalPages = Number(page?.totalPages);
  if (Number.isFinite(totalPages)) return index + 1 >= totalPages ? null : index + 1;
  return count < pageSize ? null : index + 1;
}
