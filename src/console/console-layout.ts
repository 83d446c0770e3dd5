import { html, type SafeHtml } from './html';
import type { ConsoleCaller } from './console-session';

/** The console's pages, in the order of the navigation. */
const NAV = [
  ['overview', '/console', 'Overview'],
  ['events', '/console/events', 'Events'],
  ['conflicts', '/console/conflicts', 'Conflicts'],
  ['rejected', '/console/rejected', 'Rejected'],
  ['records', '/console/records', 'Records'],
  ['consumers', '/console/consumers', 'Consumers & connectors'],
  ['playground', '/console/playground', 'Mapping playground'],
] as const;
export type ConsolePage = (typeof NAV)[number][0];

export interface PageOptions {
  title: string;
  active?: ConsolePage;
  caller?: ConsoleCaller;
  /** A short message of the service at the top of the page (an outcome), never text from the request. */
  notice?: string;
  body: SafeHtml;
}

/**
 * The page shell: navigation, who is signed in, sign-out, and the assets (all served by the service itself; the
 * Content-Security-Policy allows nothing else). No inline script: console.js and htmx do the little the pages need.
 */
export function page(o: PageOptions): SafeHtml {
  const nav = o.caller
    ? html`<nav aria-label="Console pages">
        <ul>
          ${NAV.map(([id, href, label]) => html`<li><a href="${href}" ${id === o.active ? html`aria-current="page"` : ''}>${label}</a></li>`)}
        </ul>
        <form method="post" action="/console/sign-out" class="sign-out">
          <span>Signed in with key <strong>${o.caller.keyName}</strong> (${o.caller.canWrite ? 'read and write' : 'read only'})</span>
          <input type="hidden" name="_csrf" value="${o.caller.csrf}" />
          <button type="submit">Sign out</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"allowEval":false,"includeIndicatorStyles":false,"allowScriptTags":false}' />
        ${o.caller ? html`<meta name="csrf-token" content="${o.caller.csrf}" />` : ''}
        <title>${o.title} · appdirect-sync console</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/htmx.min.js" defer></script>
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header><span class="brand">appdirect-sync console</span>${nav}</header>
        <main id="main" tabindex="-1">
          <h1>${o.title}</h1>
          ${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''} ${o.body}
        </main>
      </body>
    </html>`;
}

/** Event statuses with a sign as well as a colour, so they read without colour. */
const STATUS_SIGNS: Record<string, string> = {
  done: '✓',
  accepted: '…',
  failed: '✗',
  dead: '☠',
  unmapped: '?',
  stale: '↺',
  rejected: '⊘',
};

/** A status as a badge: its sign and its name, coloured by class. */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge status-${status}"><span aria-hidden="true">${STATUS_SIGNS[status] ?? '•'}</span> ${status}</span>`;
}

/** A time as ISO-8601 (UTC), in a <time> element. */
export function time(d: Date | null | undefined): SafeHtml {
  return d ? html`<time datetime="${d.toISOString()}">${d.toISOString().replace('T', ' ').slice(0, 19)}Z</time>` : html`—`;
}

/** A "next page" link that keeps the filters of the current query. */
export function nextPageLink(path: string, query: Record<string, unknown>, cursor: string | null): SafeHtml {
  if (cursor === null) return html`<p class="paging">End of the list.</p>`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'cursor') continue;
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string' && one !== '') params.append(k, one);
  }
  params.set('cursor', cursor);
  return html`<p class="paging"><a href="${`${path}?${params.toString()}`}" rel="next">Next page →</a></p>`;
}

/** A record's version (the ordering rule's key, ADR 0005) in words: the delivery's timestamp and action. */
export function versionText(v: { timestamp: number; action: string }): string {
  return `${v.action} @ ${v.timestamp}`;
}
