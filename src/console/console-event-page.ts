import { recordJson } from '../admin/admin-render';
import { AppError } from '../core/app-error';
import type { EventDetail } from '../inbox/event-admin-store';
import type { ConsoleDeps } from './console-deps';
import { historyTable } from './console-history';
import { issuesTable } from './console-issues';
import { page, statusBadge, time, versionText } from './console-layout';
import type { ConsoleCaller } from './console-session';
import { html, prettyJson, type SafeHtml } from './html';

const HISTORY_LIMIT = 50;
/** The envelope is shown up to this many characters (a body is at most server.bodyLimitBytes anyway). */
const BODY_SHOWN = 200_000;

/**
 * One event, as GET /api/v1/admin/events/:id answers it: the summary, the error with its mapping file, field and
 * path, the envelope as stored, the record it changed and that record's versions with the change each event made.
 */
export async function eventPage(deps: ConsoleDeps, id: number, caller: ConsoleCaller, notice?: string): Promise<SafeHtml> {
  const { events, reads, records } = deps.admin;
  const event = await events.get(id);
  if (!event) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
  const ref = await reads.recordOfEvent(id);
  const record = ref ? await records.get(ref) : undefined;
  const history = ref ? await reads.history(ref, HISTORY_LIMIT) : [];
  const retriable = !['done', 'accepted'].includes(event.status) && !event.payloadPurgedAt;
  const body = html`<dl class="summary">
      <dt>Status</dt>
      <dd id="event-status">${statusBadge(event.status)}</dd>
      <dt>Attempts</dt>
      <dd id="event-attempts">${event.attempts}</dd>
      <dt>Type / action</dt>
      <dd>${event.resourceType} ${event.action}</dd>
      <dt>Resource uuid</dt>
      <dd>
        <code>${event.resourceUuid}</code> (<a href="${`/console/events?resource=${encodeURIComponent(event.resourceUuid)}`}"
          >all its events</a
        >)
      </dd>
      <dt>Delivery uuid</dt>
      <dd><code>${event.deliveryUuid}</code></dd>
      <dt>Source</dt>
      <dd>${event.source} (${event.principal})</dd>
      <dt>Received</dt>
      <dd>${time(event.receivedAt)}</dd>
      <dt>Processed</dt>
      <dd>${time(event.processedAt)}</dd>
      <dt>Mapping version</dt>
      <dd>${event.mappingVersion ?? '—'}</dd>
      ${
        event.conflicts && event.conflicts.count > 0
          ? html`<dt>Conflicting re-sends</dt>
              <dd><a href="/console/conflicts">${event.conflicts.count}</a></dd>`
          : ''
      }
    </dl>
    ${
      caller.canWrite && retriable
        ? html`<form method="post" action="${`/console/events/${event.id}/retry`}">
            <input type="hidden" name="_csrf" value="${caller.csrf}" /> <button type="submit">Retry this event</button>
          </form>`
        : ''
    }
    ${errorSection(event)}
    <section aria-labelledby="h-envelope">
      <h2 id="h-envelope">Envelope</h2>
      ${event.payloadPurgedAt ? '' : html`<p><a href="${`/console/playground?eventId=${event.id}`}">Map it in the playground</a></p>`}
      ${envelope(event)}
    </section>
    <section aria-labelledby="h-record">
      <h2 id="h-record">Mapped record</h2>
      ${
        record
          ? html`<p>
                ${record.entity}
                <a
                  href="${`/console/records/${encodeURIComponent(record.entity)}/${encodeURIComponent(record.key)}?source=${encodeURIComponent(record.source)}`}"
                  >${record.key}</a
                >
                (source ${record.source}, version ${versionText(record.version)}${record.deleted ? ', deleted' : ''})
              </p>
              <pre>${prettyJson(recordJson(record).data)}</pre>`
          : html`<p>No record: this event has not changed one.</p>`
      }
    </section>
    <section aria-labelledby="h-history">
      <h2 id="h-history">Version history of the record</h2>
      ${historyTable(history, id)}
    </section>`;
  return page({ title: `Event ${event.id}`, active: 'events', caller, notice, body });
}

function errorSection(event: EventDetail): SafeHtml {
  if (!event.errorCode) return html``;
  const detail = (event.errorDetail ?? {}) as { issues?: unknown; message?: unknown; file?: unknown };
  const issues = Array.isArray(detail.issues) ? (detail.issues as Array<Record<string, unknown>>) : [];
  return html`<section aria-labelledby="h-error" class="error">
    <h2 id="h-error">Error <code>${event.errorCode}</code></h2>
    ${typeof detail.message === 'string' ? html`<p>${detail.message}${typeof detail.file === 'string' ? html` (in <code>${detail.file}</code>)` : ''}</p>` : ''}
    ${issues.length > 0 ? issuesTable('error-issues', issues) : html`<pre>${prettyJson(event.errorDetail)}</pre>`}
  </section>`;
}

function envelope(event: EventDetail): SafeHtml {
  if (event.payloadPurgedAt) return html`<p>Purged by retention at ${time(event.payloadPurgedAt)}.</p>`;
  const text = event.body.toString('utf8');
  let shown = text;
  try {
    shown = prettyJson(JSON.parse(text));
  } catch {
    // shown as stored
  }
  return html`<pre>${shown.slice(0, BODY_SHOWN)}</pre>
    ${shown.length > BODY_SHOWN ? html`<p>(cut at ${BODY_SHOWN} characters)</p>` : ''}`;
}
