import { Router } from 'express';
import { nextCursor } from '../admin/admin-handler';
import { pageQuery } from '../admin/admin-schemas';
import { connectorStatuses } from '../connectors/connector-status';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import type { ConsoleDeps } from './console-deps';
import { nextPageLink, page, statusBadge, time } from './console-layout';
import { callerOf } from './console-session';
import { html } from './html';

const PAGE_SIZE = 25;

/**
 * Conflicts (a re-send beside the delivery that was kept), rejected deliveries (code and excerpt), and the feed's
 * consumers and connectors with their position and lag: the admin API's lists, as pages.
 */
export function consoleListsRouter(deps: ConsoleDeps): Router {
  const router = Router();
  const { reads, feed, connectors } = deps.admin;

  router.get('/conflicts', (req, res, next) => {
    runAsync(next, async () => {
      const { limit = PAGE_SIZE, cursor } = parseInput(pageQuery, req.query, 'query');
      const rows = await reads.conflicts({ limit, beforeId: cursor });
      const body = html`<p>
          A re-send of a delivery uuid with another body is not applied: the first body is kept. Each re-send is shown beside the delivery
          that was kept.
        </p>
        ${rows.length === 0 ? html`<p class="empty">No conflicts.</p>` : ''}
        ${rows.map(
          (c) =>
            html`<section class="conflict" aria-label="${`Conflict ${c.id}`}">
              <h2>Delivery <code>${c.deliveryUuid}</code> (${c.source})</h2>
              <div class="side-by-side">
                <div>
                  <h3>Kept: event <a href="${`/console/events/${c.kept.eventId}`}">${c.kept.eventId}</a> ${statusBadge(c.kept.status)}</h3>
                  <p>Received ${time(c.kept.receivedAt)}, sha256 <code>${c.kept.bodySha256.slice(0, 12)}…</code></p>
                  <pre>${c.kept.body ?? '(purged)'}</pre>
                </div>
                <div>
                  <h3>Re-sent, not applied</h3>
                  <p>Received ${time(c.receivedAt)} from ${c.principal}, sha256 <code>${c.bodySha256.slice(0, 12)}…</code></p>
                  <pre>${c.body}</pre>
                </div>
              </div>
            </section>`,
        )}
        ${nextPageLink('/console/conflicts', req.query, nextCursor(rows, limit))}`;
      res.type('html').send(page({ title: 'Conflicts', active: 'conflicts', caller: callerOf(res), body }).text);
    });
  });

  router.get('/rejected', (req, res, next) => {
    runAsync(next, async () => {
      const { limit = PAGE_SIZE, cursor, source } = parseInput(pageQuery, req.query, 'query');
      const rows = await reads.rejected({ limit, beforeId: cursor, source });
      const body = html`<p>Deliveries refused after authentication, with the code they got and the first bytes of their body.</p>
        ${
          rows.length === 0
            ? html`<p class="empty">No rejected deliveries.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th scope="col">Received</th>
                    <th scope="col">Source</th>
                    <th scope="col">Status</th>
                    <th scope="col">Code</th>
                    <th scope="col">Message</th>
                    <th scope="col">Body excerpt</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (r) =>
                      html`<tr>
                        <td>${time(r.receivedAt)}</td>
                        <td>${r.source}</td>
                        <td>${r.statusCode}</td>
                        <td><code>${r.errorCode}</code></td>
                        <td>${r.message}</td>
                        <td>
                          <pre class="excerpt">${r.bodyExcerpt ?? ''}</pre>
                          ${r.bodyBytes !== null ? html`<small>${r.bodyBytes} bytes</small>` : ''}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
        ${nextPageLink('/console/rejected', req.query, nextCursor(rows, limit))}`;
      res.type('html').send(page({ title: 'Rejected deliveries', active: 'rejected', caller: callerOf(res), body }).text);
    });
  });

  router.get('/consumers', (_req, res, next) => {
    runAsync(next, async () => {
      const parked = await connectors.parked?.();
      const [lags, statuses] = await Promise.all([feed.lag(), connectorStatuses(feed, connectors.configs, connectors.lastOutcome, parked)]);
      const body = html`<section aria-labelledby="h-consumers">
          <h2 id="h-consumers">Feed consumers</h2>
          ${
            lags.length === 0
              ? html`<p class="empty">No consumer has registered.</p>`
              : html`<table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Position</th>
                      <th scope="col">Head</th>
                      <th scope="col">Behind</th>
                      <th scope="col">Oldest unacknowledged</th>
                      <th scope="col">Last acknowledged</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${lags.map(
                      (l) =>
                        html`<tr>
                          <td>${l.name}</td>
                          <td class="num">${l.cursor}</td>
                          <td class="num">${l.head}</td>
                          <td class="num">${l.behind}</td>
                          <td class="num">${l.oldestUnackedSeconds} s</td>
                          <td>${time(l.ackedAt)}${l.fellBehindRetention ? html` <strong>fell behind retention</strong>` : ''}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
        </section>
        <section aria-labelledby="h-connectors">
          <h2 id="h-connectors">Connectors</h2>
          ${
            statuses.length === 0
              ? html`<p class="empty">No connector is configured (docs/consumers.md).</p>`
              : html`<table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Enabled</th>
                      <th scope="col">Checkpoint</th>
                      <th scope="col">Behind</th>
                      <th scope="col">Parked changes</th>
                      <th scope="col">Last run here</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${statuses.map(
                      (c) =>
                        html`<tr>
                          <td>${c.name}</td>
                          <td>${c.type}</td>
                          <td>${c.enabled ? 'yes' : 'no'}</td>
                          <td class="num">${c.checkpoint}</td>
                          <td class="num">${c.behind}</td>
                          <td>
                            <a href="${`/console/connectors/${encodeURIComponent(c.name)}/failures`}">${parked?.get(c.name) ?? 0} parked</a>
                          </td>
                          <td>
                            ${c.lastRun ? html`${c.lastRun.status}, ${c.lastRun.delivered} delivered${c.lastRun.error ? html`, <code>${c.lastRun.error.code}</code>` : ''}` : 'not run in this process'}
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
        </section>`;
      res.type('html').send(page({ title: 'Consumers and connectors', active: 'consumers', caller: callerOf(res), body }).text);
    });
  });

  return router;
}
