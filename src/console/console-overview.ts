import type { ConsoleDeps } from './console-deps';
import { connectorStatuses } from '../connectors/connector-status';
import { stackedBars, valueBars, type StackedBar } from './console-charts';
import { html, type SafeHtml } from './html';

/** The outcomes of the deliveries chart, and the event statuses each one gathers. */
const OUTCOMES = ['done', 'waiting', 'failed', 'rejected'] as const;
const OUTCOME_OF: Record<string, (typeof OUTCOMES)[number]> = {
  done: 'done',
  stale: 'done',
  accepted: 'waiting',
  failed: 'failed',
  dead: 'failed',
  unmapped: 'failed',
};
const MINUTES = 30;
/** At most this many events are counted per chart (a flood shows as "at least"): the overview stays one cheap read. */
const CHART_EVENT_LIMIT = 5000;

/**
 * The overview panel: deliveries per minute by outcome (last 30 minutes), events by status, the oldest waiting
 * event, consumers' and connectors' lag. The page reloads this panel every 10 s through htmx (hx-trigger).
 */
export async function overviewPanel(deps: ConsoleDeps): Promise<SafeHtml> {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - MINUTES * 60_000);
  const [snap, events, rejected, connectors] = await Promise.all([
    deps.snapshot(),
    deps.admin.events.list({ since, limit: CHART_EVENT_LIMIT }),
    deps.admin.reads.rejected({ limit: CHART_EVENT_LIMIT }),
    connectorStatuses(deps.admin.feed, deps.admin.connectors.configs, deps.admin.connectors.lastOutcome),
  ]);
  const bars: StackedBar[] = [];
  const start = Math.floor(since.getTime() / 60_000) + 1;
  for (let m = 0; m < MINUTES; m++) bars.push({ label: new Date((start + m) * 60_000).toISOString().slice(11, 16), counts: {} });
  const add = (at: Date, outcome: string) => {
    const bar = bars[Math.floor(at.getTime() / 60_000) - start];
    if (bar) bar.counts[outcome] = (bar.counts[outcome] ?? 0) + 1;
  };
  for (const e of events) add(e.receivedAt, OUTCOME_OF[e.status] ?? 'waiting');
  for (const r of rejected) if (r.receivedAt >= since) add(r.receivedAt, 'rejected');
  const totals = OUTCOMES.map((o) => ({ o, n: bars.reduce((sum, b) => sum + (b.counts[o] ?? 0), 0) }));
  const oldestSeconds = snap.oldestUnprocessedAt ? Math.round((now.getTime() - snap.oldestUnprocessedAt.getTime()) / 1000) : null;
  const statuses = [...snap.eventsByStatus.entries()];
  return html`<div id="overview" hx-get="/console/overview" hx-trigger="every 10s" hx-swap="outerHTML">
    <p class="refreshed">Refreshed <time datetime="${now.toISOString()}">${now.toISOString().slice(11, 19)}Z</time>, every 10 seconds.</p>
    <section aria-labelledby="h-deliveries">
      <h2 id="h-deliveries">Deliveries per minute, last ${MINUTES} minutes</h2>
      ${stackedBars(bars, OUTCOMES, 'Deliveries per minute by outcome')}
      <table>
        <caption>
          Totals by outcome${events.length >= CHART_EVENT_LIMIT ? ' (at least: the chart counts the newest 5000)' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Outcome</th>
            <th scope="col">Deliveries</th>
          </tr>
        </thead>
        <tbody>
          ${totals.map(
            (t) =>
              html`<tr>
                <td>${t.o}</td>
                <td class="num">${t.n}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="h-status">
      <h2 id="h-status">Events waiting or needing attention</h2>
      ${valueBars(
        statuses.map(([s, n]) => ({ label: s, value: n, cls: `series-${OUTCOME_OF[s] ?? 'waiting'}` })),
        'Events by status',
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Events</th>
            <th scope="col"></th>
          </tr>
        </thead>
        <tbody>
          ${statuses.map(
            ([s, n]) =>
              html`<tr>
                <td>${s}</td>
                <td class="num">${n}</td>
                <td><a href="${`/console/events?status=${s}`}">list ${s} events</a></td>
              </tr>`,
          )}
        </tbody>
      </table>
      <p>
        Oldest unprocessed event:
        <strong id="oldest-unprocessed">${oldestSeconds === null ? 'none waiting' : `${oldestSeconds} s old`}</strong>.
      </p>
    </section>
    <section aria-labelledby="h-lag">
      <h2 id="h-lag">Consumers and connectors</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Consumer</th>
            <th scope="col">Behind (changes)</th>
            <th scope="col">Oldest unacknowledged</th>
          </tr>
        </thead>
        <tbody>
          ${snap.consumers.map(
            (c) =>
              html`<tr>
                <td>${c.name}</td>
                <td class="num">${c.behind}</td>
                <td class="num">${c.oldestUnackedSeconds} s</td>
              </tr>`,
          )}
          ${connectors
            .filter((c) => !snap.consumers.some((s) => s.name === `connector:${c.name}`))
            .map(
              (c) =>
                html`<tr>
                  <td>connector:${c.name} (never ran)</td>
                  <td class="num">${c.behind}</td>
                  <td class="num">—</td>
                </tr>`,
            )}
        </tbody>
      </table>
      <p>Change feed head: ${snap.changeLogHead}. <a href="/console/consumers">Consumers and connectors →</a></p>
    </section>
  </div>`;
}
