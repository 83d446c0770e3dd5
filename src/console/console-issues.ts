import { html, type SafeHtml } from './html';

/** One mapping issue as the console shows it: a stored event's error detail or a playground preview's errors. */
export interface IssueRow {
  code?: unknown;
  file?: unknown;
  field?: unknown;
  path?: unknown;
  message?: unknown;
}

/** The mapping issues as a table with the file, field and path that name where each one is. */
export function issuesTable(id: string, issues: readonly IssueRow[]): SafeHtml {
  return html`<table id="${id}">
    <thead>
      <tr>
        <th scope="col">Code</th>
        <th scope="col">Mapping file</th>
        <th scope="col">Field</th>
        <th scope="col">Path</th>
        <th scope="col">Message</th>
      </tr>
    </thead>
    <tbody>
      ${issues.map(
        (i) =>
          html`<tr>
            <td>${String(i.code ?? '')}</td>
            <td><code>${String(i.file ?? '')}</code></td>
            <td><code>${String(i.field ?? '')}</code></td>
            <td><code class="error-path">${String(i.path ?? '')}</code></td>
            <td>${String(i.message ?? '')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
