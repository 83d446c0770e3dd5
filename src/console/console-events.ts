import express, { Router } from 'express';
import { nextCursor } from '../admin/admin-handler';
import { eventIdParam } from '../admin/admin-schemas';
import { AppError } from '../core/app-error';
import type { EventFilter, EventSummary } from '../inbox/event-admin-store';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import type { ConsoleDeps } from './console-deps';
import { eventPage } from './console-event-page';
import { filterForm, filterParams, hiddenFields, parseEventQuery, RETRIABLE_STATUSES } from './console-event-filters';
import { nextPageLink, page, statusBadge, time } from './console-layout';
import { callerOf, requireCsrf, requireWrite } from './console-session';
import { html } from './html';
import { eventFilterOf } from '../admin/event-filter-of';

const PAGE_SIZE = 50;
/** A filtered retry's confirmation counts at most this many events ("more than 10000" beyond). */
const COUNT_LIMIT = 10_000;
/** Outcomes a redirect may announce: fixed texts, so nothing of the request is echoed into the notice. */
const NOTICES: Record<string, string> = { requeued: 'The event was put back in the queue; the worker picks it up shortly.' };

const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 200 });

/**
 * The events pages: the list with the admin API's filters and keyset paging, one event, retry one (POST), and retry a
 * filtered set after a confirmation that says how many. Retries call EventRetryService with an audit entry, as
 * POST /api/v1/admin/events/…/retry does; they need admin:write and the session's CSRF token.
 */
export function consoleEventsRouter(deps: ConsoleDeps): Router {
  const router = Router();
  const { events, retry } = deps.admin;

  router.get('/events', (req, res, next) => {
    runAsync(next, async () => {
      const q = parseEventQuery(req.query);
      const limit = q.limit ?? PAGE_SIZE;
      const list = await events.list({ ...eventFilterOf(q), limit, beforeId: q.cursor });
      const caller = callerOf(res);
      const retryHref = `/console/events/retry?${filterParams(q).toString()}`;
      const body = html`${filterForm(q)}
      ${caller.canWrite ? html`<p><a class="button" href="${retryHref}">Retry the failed events of this filter…</a></p>` : ''}
      ${eventTable(list)} ${nextPageLink('/console/events', req.query, nextCursor(list, limit))}`;
      res.type('html').send(page({ title: 'Events', active: 'events', caller, body }).text);
    });
  });

  router.get('/events/retry', (req, res, next) => {
    runAsync(next, async () => {
      const q = parseEventQuery(req.query);
      const statuses = retriableOf(q.status);
      const matching = await events.list({ ...eventFilterOf(q), statuses, limit: COUNT_LIMIT + 1 });
      const count = matching.length > COUNT_LIMIT ? `more than ${COUNT_LIMIT}` : String(matching.length);
      const caller = callerOf(res);
      const body = html`<p id="retry-count" role="status">
          <strong>${count}</strong> event(s) with status ${statuses.join(', ')} match this filter and will be put back in the queue.
        </p>
        <form method="post" action="/console/events/retry">
          ${hiddenFields({ ...q, status: statuses })}
          <input type="hidden" name="_csrf" value="${caller.csrf}" />
          <button type="submit" ${matching.length === 0 ? html`disabled` : ''}>Retry ${count} event(s)</button>
          <a href="${`/console/events?${filterParams(q).toString()}`}">Cancel</a>
        </form>`;
      res.type('html').send(page({ title: 'Retry a set of events', active: 'events', caller, body }).text);
    });
  });

  router.post('/events/retry', form, requireCsrf(), requireWrite(), (req, res, next) => {
    runAsync(next, async () => {
      const q = parseEventQuery(req.body as Record<string, unknown>);
      const filter: EventFilter = { ...eventFilterOf(q), statuses: retriableOf(q.status) };
      const caller = callerOf(res);
      const request = JSON.parse(JSON.stringify({ ...filter })) as Record<string, unknown>;
      const result = await retry.retry(filter, { actor: caller, route: 'POST /console/events/retry', request });
      const body = html`<p id="retry-result" role="status">
          <strong>${result.requeued.length}</strong> event(s) put back in the queue; ${result.alreadyQueued.length} already queued,
          ${result.refusedPurged.length} refused (payload purged).
        </p>
        <p><a href="${`/console/events?${filterParams(q).toString()}`}">Back to the events</a></p>`;
      res.type('html').send(page({ title: 'Retried', active: 'events', caller, body }).text);
    });
  });

  router.get('/events/:id', (req, res, next) => {
    runAsync(next, async () => {
      const { id } = parseInput(eventIdParam, req.params, 'path');
      const notice = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
      res.type('html').send((await eventPage(deps, id, callerOf(res), notice)).text);
    });
  });

  router.post('/events/:id/retry', form, requireCsrf(), requireWrite(), (req, res, next) => {
    runAsync(next, async () => {
      const { id } = parseInput(eventIdParam, req.params, 'path');
      const result = await retry.retry({ ids: [id] }, { actor: callerOf(res), route: 'POST /console/events/:id/retry', request: { id } });
      if (result.missing.length > 0) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
      if (result.refusedDone.length > 0)
        throw new AppError('EVENT_RETRY_REFUSED', `event ${id} is done; remap re-projects records after a mapping fix`);
      if (result.refusedPurged.length > 0) throw new AppError('EVENT_PAYLOAD_PURGED', `the payload of event ${id} was purged by retention`);
      res.redirect(303, `/console/events/${id}?notice=requeued`);
    });
  });

  return router;
}

/** The re-drivable statuses of a filter; none chosen means all of them (the confirmation says which). */
function retriableOf(chosen: EventFilter['statuses']): NonNullable<EventFilter['statuses']> {
  const wanted = (chosen ?? []).filter((s) => RETRIABLE_STATUSES.includes(s));
  return wanted.length > 0 ? wanted : [...RETRIABLE_STATUSES];
}

function eventTable(list: EventSummary[]) {
  if (list.length === 0) return html`<p class="empty">No event matches.</p>`;
  return html`<table class="events">
    <caption>
      Newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Id</th>
        <th scope="col">Received</th>
        <th scope="col">Status</th>
        <th scope="col">Type</th>
        <th scope="col">Action</th>
        <th scope="col">Resource uuid</th>
        <th scope="col">Delivery uuid</th>
        <th scope="col">Attempts</th>
        <th scope="col">Error</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (e) =>
          html`<tr>
            <td><a href="${`/console/events/${e.id}`}">${e.id}</a></td>
            <td>${time(e.receivedAt)}</td>
            <td>${statusBadge(e.status)}</td>
            <td>${e.resourceType}</td>
            <td>${e.action}</td>
            <td><code>${e.resourceUuid}</code></td>
            <td><code>${e.deliveryUuid}</code></td>
            <td class="num">${e.attempts}</td>
            <td>${e.errorCode ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
