import type { AppdirectApiClient } from '../appdirect-api/appdirect-api-client';
import { followableUrl } from '../appdirect-api/resource-url-policy';
import { isAppError } from '../core/app-error';
import type { ClaimedEvent, EventCompletion } from '../inbox/inbox-queue';

/** What became of a claimed batch before mapping: events ready to map, events ended, events to try again later. */
export interface CompletedBatch {
  ready: ClaimedEvent[];
  ended: EventCompletion[];
  retry: { event: ClaimedEvent; error: { code: string; message: string } }[];
}

/** Completes content-less deliveries before they are mapped; see ResourceRefetcher. */
export interface ContentCompleter {
  complete(events: ClaimedEvent[]): Promise<CompletedBatch>;
}

/**
 * An ADDED or CHANGED delivery without `content` is completed by a GET of its `resource.url` with the source's
 * API token, before mapping; the answer becomes the content the mapping reads (ADR 0028). REMOVED never is.
 *
 * @remarks Only a URL on the source's marketplace host, over HTTPS, is followed (followableUrl): another one ends the
 * event `failed` with REFETCH_URL_REFUSED and is never requested. A failing GET (network, 401, 404, 429, 5xx) gives
 * the event back with REFETCH_FAILED, to be retried on the worker's backoff schedule (then `dead` after
 * worker.maxAttempts); one attempt per claim, so a slow marketplace never holds a batch through its retries.
 * Refusals and failures are logged with the batch's outcomes (outcome-log.ts). A source without `appdirectApi` (or with `refetch: false`) is left alone: the mapping reports MAPPING_CONTENT_ABSENT.
 */
export class ResourceRefetcher implements ContentCompleter {
  constructor(private readonly apiFor: (source: string) => AppdirectApiClient | undefined) {}

  async complete(events: ClaimedEvent[]): Promise<CompletedBatch> {
    const out: CompletedBatch = { ready: [], ended: [], retry: [] };
    await Promise.all(events.map((e) => this.completeOne(e, out)));
    return out;
  }

  private async completeOne(event: ClaimedEvent, out: CompletedBatch): Promise<void> {
    const api = event.action === 'REMOVED' ? undefined : this.apiFor(event.source);
    const delivery = api ? parseDelivery(event.body) : undefined;
    if (!api || !delivery || !isObject(delivery.resource) || hasContent(delivery.resource)) {
      out.ready.push(event);
      return;
    }
    const url = followableUrl(delivery.resource.url, api.base);
    if (!url) {
      const message = `resource.url is not an HTTPS URL on ${api.base.host}; it is not followed`;
      out.ended.push({ id: event.id, status: 'failed', errorCode: 'REFETCH_URL_REFUSED', errorDetail: { message } });
      return;
    }
    try {
      const response = await api.get(url.toString(), {}, 1);
      if (!isObject(response.body)) throw new Error('the answer is not a JSON object');
      const body = Buffer.from(
        JSON.stringify({ ...delivery, resource: { ...delivery.resource, content: response.body }, refetched: true }),
      );
      out.ready.push({ ...event, body });
    } catch (err) {
      const message = `GET ${url.pathname} failed: ${isAppError(err) ? `${err.code} ${err.message}` : (err as Error).message}`;
      out.retry.push({ event, error: { code: 'REFETCH_FAILED', message } });
    }
  }
}

function parseDelivery(body: Buffer): { resource?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined; // planEvent ends it WORKER_PAYLOAD_UNREADABLE
  }
}

function hasContent(resource: Record<string, unknown>): boolean {
  return resource.content !== undefined && resource.content !== null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
