import type { z } from 'zod';
import { eventListQuery } from '../admin/admin-schemas';
import { EVENT_STATUSES, type EventStatus } from '../inbox/inbox-queue';
import { parseInput } from '../http/parse-input';
import { html, type SafeHtml } from './html';

/** The filter fields of the events page, as the admin API names them. */
const FIELDS = ['status', 'type', 'source', 'resource', 'delivery', 'since', 'until', 'limit', 'cursor'] as const;
/** Statuses a filtered retry may re-queue (EventRetryService keeps only these from a status filter). */
export const RETRIABLE_STATUSES: readonly EventStatus[] = ['failed', 'dead', 'unmapped', 'stale'];

export type EventQuery = z.output<typeof eventListQuery>;

/**
 * The events page's query (or a retry form's fields) through the admin API's own schema: checkboxes send `status`
 * once per box, which becomes the API's comma-separated list; anything else the schema refuses is a 400.
 */
export function parseEventQuery(raw: Record<string, unknown>): EventQuery {
  const flat: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const v = raw[field];
    if (v === undefined) continue;
    flat[field] = Array.isArray(v) ? v.join(',') : v;
  }
  return parseInput(eventListQuery, flat, 'query');
}

/** The query's filters as form fields (hidden, to carry them through a confirmation; or as a query string). */
export function filterParams(q: EventQuery): URLSearchParams {
  const p = new URLSearchParams();
  for (const s of q.status ?? []) p.append('status', s);
  for (const t of q.type ?? []) p.append('type', t);
  if (q.source) p.set('source', q.source);
  if (q.resource) p.set('resource', q.resource);
  if (q.delivery) p.set('delivery', q.delivery);
  if (q.since) p.set('since', q.since.toISOString());
  if (q.until) p.set('until', q.until.toISOString());
  return p;
}

export function hiddenFields(q: EventQuery): SafeHtml {
  return html`${[...filterParams(q).entries()].map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}`;
}

/** The filter form of the events page: every filter of the admin API, and search by resource or delivery uuid. */
export function filterForm(q: EventQuery): SafeHtml {
  const chosen = new Set(q.status ?? []);
  return html`<form method="get" action="/console/events" class="filters" role="search" aria-label="Filter events">
    <fieldset>
      <legend>Status</legend>
      ${EVENT_STATUSES.map(
        (s) => html`<label><input type="checkbox" name="status" value="${s}" ${chosen.has(s) ? html`checked` : ''} /> ${s}</label>`,
      )}
    </fieldset>
    <div class="fields">
      <label>Resource uuid <input name="resource" value="${q.resource ?? ''}" placeholder="b6d3c0f1-…" /></label>
      <label>Delivery uuid <input name="delivery" value="${q.delivery ?? ''}" /></label>
      <label>Type <input name="type" value="${(q.type ?? []).join(',')}" placeholder="subscription,company" /></label>
      <label>Source <input name="source" value="${q.source ?? ''}" /></label>
      <label>Received since <input name="since" value="${q.since?.toISOString() ?? ''}" placeholder="2026-12-01T00:00:00Z" /></label>
      <label>until <input name="until" value="${q.until?.toISOString() ?? ''}" /></label>
    </div>
    <button type="submit">Filter</button> <a href="/console/events">Clear</a>
  </form>`;
}
