import { AppError } from '../core/app-error';
import type { ApiResponse, AppdirectApiClient } from './appdirect-api-client';
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
  for (let index: number | null = from; index !== null;) {
    const params =
      listing.paging === 'offset'
        ? { ...query, start: String(index), count: String(pageSize) }
        : { ...query, page: String(index), size: String(pageSize) };
    const response = await api.get(path, params);
    const items = itemsOf(response.body, listing, path);
    const next = nextIndex(listing, response.body, index, items.length, pageSize);
    yield { items, index, next, response };
    index = next;
  }
}

function itemsOf(body: unknown, listing: ResourceListing, path: string): Record<string, unknown>[] {
  // 204 No Content (documented on the invoice list) is an empty page.
  if (body === null || body === undefined || (Array.isArray(body) && body.length === 0)) return [];
  const list = listing.itemsKey === undefined ? body : (body as Record<string, unknown>)[listing.itemsKey];
  if (!Array.isArray(list)) {
    throw new AppError('APPDIRECT_API_BAD_RESPONSE', `${path}: the page has no ${listing.itemsKey ?? 'array'} of items`);
  }
  return list.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !Array.isArray(i));
}

function nextIndex(listing: ResourceListing, body: unknown, index: number, count: number, pageSize: number): number | null {
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
