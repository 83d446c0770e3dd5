import type { RecordChange } from '../admin/admin-read-store';
import { diffJson } from '../mapping/json-diff';
import { time } from './console-layout';
import { html, prettyJson, type SafeHtml } from './html';

/**
 * The record's versions, newest first, each with the fields it changed against the version before it: on an event's
 * page (that event's row marked) and on a record's page.
 */
export function historyTable(history: RecordChange[], eventId?: number): SafeHtml {
  if (history.length === 0) return html`<p>No versions.</p>`;
  return html`<table class="history">
    <thead>
      <tr>
        <th scope="col">Seq</th>
        <th scope="col">Kind</th>
        <th scope="col">Event</th>
        <th scope="col">Mapping</th>
        <th scope="col">At</th>
        <th scope="col">What changed</th>
      </tr>
    </thead>
    <tbody>
      ${history.map((c, i) => {
        const before = history[i + 1];
        const changes = before ? diffJson(before.data, c.data) : [];
        const mine = c.inboxEventId === eventId;
        return html`<tr ${mine ? html`class="this-event"` : ''}>
          <td>${c.seq}</td>
          <td>${c.kind}${mine ? ' (this event)' : ''}</td>
          <td>${c.inboxEventId ? html`<a href="${`/console/events/${c.inboxEventId}`}">${c.inboxEventId}</a>` : c.cause}</td>
          <td>${c.mappingVersion}</td>
          <td>${time(c.createdAt)}</td>
          <td>
            ${
              before
                ? changes.length === 0
                  ? 'no field changed'
                  : html`<ul>
                      ${changes.slice(0, 20).map((d) => html`<li><code>${d.path || '(root)'}</code>: ${JSON.stringify(d.expected) ?? '—'} → ${JSON.stringify(d.actual) ?? '—'}</li>`)}
                    </ul>`
                : html`<details>
                    <summary>first version kept here</summary>
                    <pre>${prettyJson(c.data)}</pre>
                  </details>`
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
