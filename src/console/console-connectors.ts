import express, { Router } from 'express';
import type { AdminAuditEntry } from '../admin/admin-audit-store';
import { failureListQuery, failurePath, failuresPath } from '../admin/connector-failures-schemas';
import { isAppError } from '../core/app-error';
import type { ConnectorFailure } from '../connectors/connector-failure-store';
import type { FailureResolution } from '../connectors/connector-failure-service';
import { isFinalRefusal } from '../connectors/refusal-policy';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import type { ConsoleDeps } from './console-deps';
import { page, time } from './console-layout';
import { callerOf, requireCsrf, requireWrite, type ConsoleCaller } from './console-session';
import { html } from './html';

const PAGE_SIZE = 50;
const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
/** Outcomes a redirect may announce: fixed texts, nothing of the request echoed. */
const NOTICES: Record<string, string> = {
  retried: 'The change was sent again and the destination took it.',
  skipped: 'The change was skipped: it will never be sent.',
  moved: 'The connector had stopped at this change: its checkpoint moved past it, the next run goes on after it.',
  refused: 'The destination refused the change again: it stays parked, with one more attempt counted.',
};

/**
 * A connector's parked changes (issue 15's connector_failures): each with the destination's refusal, and Retry and
 * Skip for an admin:write session, through ConnectorFailureService and audited as the admin API's routes are.
 */
export function consoleConnectorsRouter(deps: ConsoleDeps): Router {
  const router = Router();
  const failures = deps.connectorFailures;

  router.get('/connectors/:name/failures', (req, res, next) => {
    runAsync(next, async () => {
      const { name } = parseInput(failuresPath, req.params, 'path');
      const { notice: _notice, moved: _moved, ...query } = req.query; // the console's own outcome flags
      const q = parseInput(failureListQuery, query, 'query');
      const state = q.state === 'all' ? undefined : (q.state ?? 'parked');
      const limit = q.limit ?? PAGE_SIZE;
      const rows = await failures.list({ connector: name, state, limit, afterId: q.cursor });
      const last = rows[rows.length - 1];
      const notices = [req.query.notice, req.query.moved === '1' ? 'moved' : undefined]
        .map((n) => (typeof n === 'string' ? NOTICES[n] : undefined))
        .filter((n): n is string => !!n);
      const caller = callerOf(res);
      const base = `/console/connectors/${encodeURIComponent(name)}/failures`;
      const body = html`<nav aria-label="Which changes">
          <ul class="tabs">
            ${(['parked', 'retried', 'skipped', 'all'] as const).map((s) => html`<li><a href="${`${base}?state=${s}`}" ${(q.state ?? 'parked') === s ? html`aria-current="true"` : ''}>${s}</a></li>`)}
          </ul>
        </nav>
        ${rows.length === 0 ? html`<p class="empty">No ${state ?? ''} change.</p>` : failureTable(rows, base, caller)}
        ${rows.length === limit && last ? html`<p class="paging"><a rel="next" href="${`${base}?state=${q.state ?? 'parked'}&cursor=${last.id}`}">Next page →</a></p>` : html`<p class="paging">End of the list.</p>`}
        <p><a href="/console/consumers">← Consumers and connectors</a></p>`;
      res
        .type('html')
        .send(page({ title: `Parked changes of ${name}`, active: 'consumers', caller, notice: notices.join(' ') || undefined, body }).text);
    });
  });

  for (const action of ['retry', 'skip'] as const) {
    router.post(`/connectors/:name/failures/:id/${action}`, form, requireCsrf(), requireWrite(), (req, res, next) => {
      runAsync(next, async () => {
        const p = parseInput(failurePath, req.params, 'path');
        const force = action === 'retry' && (req.body as Record<string, unknown>).force === 'true';
        const back = `/console/connectors/${encodeURIComponent(p.name)}/failures`;
        let r: FailureResolution;
        try {
          r = action === 'retry' ? await failures.retry(p.name, p.id, { force }) : await failures.skip(p.name, p.id);
        } catch (err) {
          // Refused again: re-parked by the service with one more attempt; a notice, not an error page.
          if (action === 'retry' && isAppError(err) && isFinalRefusal(err)) return res.redirect(303, `${back}?notice=refused`);
          throw err;
        }
        const entry: AdminAuditEntry = {
          actor: callerOf(res),
          route: `POST /console/connectors/:name/failures/:id/${action}`,
          request: action === 'retry' ? { connector: p.name, id: p.id, force } : { connector: p.name, id: p.id },
          affected: { ids: [p.id], state: r.failure.state, checkpoint: r.checkpoint ?? null },
        };
        await deps.auditNow(entry);
        res.redirect(303, `${back}?notice=${action === 'retry' ? 'retried' : 'skipped'}${r.checkpoint === undefined ? '' : '&moved=1'}`);
      });
    });
  }

  return router;
}

function failureTable(rows: ConnectorFailure[], base: string, caller: ConsoleCaller) {
  return html`<table class="failures">
    <thead>
      <tr>
        <th scope="col">Id</th>
        <th scope="col">Change</th>
        <th scope="col">Record</th>
        <th scope="col">Refusal</th>
        <th scope="col">Attempts</th>
        <th scope="col">Failed</th>
        <th scope="col">State</th>
        <th scope="col">Actions</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (f) =>
          html`<tr>
            <td>${f.id}</td>
            <td>${f.seq} (${f.kind})</td>
            <td>
              <a
                href="${`/console/records/${encodeURIComponent(f.entity)}/${encodeURIComponent(f.key)}?source=${encodeURIComponent(f.source)}`}"
                >${f.entity} ${f.key}</a
              >
            </td>
            <td>
              <code>${f.code}</code>${f.status !== undefined ? html` HTTP ${f.status}` : ''}:
              ${f.message}${f.response ? html`<pre class="excerpt">${f.response}</pre>` : ''}
              ${f.supersededBy !== null ? html`<br /><strong>Superseded</strong> by change ${f.supersededBy}, already delivered: a retry would put the older state back.` : ''}
            </td>
            <td class="num">${f.attempts}</td>
            <td>${time(f.firstFailedAt)}${f.attempts > 1 ? html`<br />last ${time(f.lastFailedAt)}` : ''}</td>
            <td>${f.state}${f.resolvedAt ? html` ${time(f.resolvedAt)}` : ''}</td>
            <td>
              ${
                caller.canWrite && f.state === 'parked'
                  ? html`<form method="post" action="${`${base}/${f.id}/retry`}" class="inline">
                        <input type="hidden" name="_csrf" value="${caller.csrf}" />
                        ${f.supersededBy !== null ? html`<input type="hidden" name="force" value="true" />` : ''}
                        <button type="submit" aria-label="${`Retry parked change ${f.id}`}">
                          Retry${f.supersededBy !== null ? ' anyway' : ''}
                        </button>
                      </form>
                      <form
                        method="post"
                        action="${`${base}/${f.id}/skip`}"
                        class="inline"
                        data-confirm="${`Skip change ${f.seq} of ${f.entity} ${f.key} for good? It will never be sent.`}"
                      >
                        <input type="hidden" name="_csrf" value="${caller.csrf}" /><button
                          type="submit"
                          aria-label="${`Skip parked change ${f.id}`}"
                        >
                          Skip
                        </button>
                      </form>`
                  : ''
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
