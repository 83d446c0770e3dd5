import { jsonDepthExceeds, MAX_JSON_DEPTH, showJson } from '../core/json-bounds';
import type { EventDetail, EventSummary } from '../inbox/event-admin-store';

/** How much of a body too deep to indent `events show` prints as stored text. */
const RAW_PREVIEW_CHARS = 4000;

const COLUMNS = ['ID', 'RECEIVED', 'SOURCE', 'TYPE', 'ACTION', 'RESOURCE UUID', 'STATUS', 'ATTEMPTS', 'ERROR'];

/** `events list` as an aligned text table, newest first, one event per line. */
export function formatEventTable(events: readonly EventSummary[]): string {
  if (events.length === 0) return 'no events\n';
  const rows = events.map((e) => [
    String(e.id),
    e.receivedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    e.source,
    e.resourceType,
    e.action,
    e.resourceUuid,
    e.status,
    String(e.attempts),
    e.errorCode ?? '',
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(COLUMNS), ...rows.map(line)].join('\n')}\n`;
}

/**
 * `events list --json` and `events show --json`: dates as ISO text, the body as parsed JSON (or null when purged).
 * A body that is not JSON, or nests deeper than MAX_JSON_DEPTH (JSON.stringify would overflow on it), is given as
 * its stored text.
 */
export function eventAsJson(e: EventSummary | EventDetail): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e };
  if ('body' in e) out.body = e.payloadPurgedAt ? null : printableBody(e.body);
  if ('errorDetail' in e && jsonDepthExceeds(e.errorDetail)) out.errorDetail = showJson(e.errorDetail);
  return out;
}

/** `events show`: every field an operator needs to judge the event, then its body. */
export function formatEventDetail(e: EventDetail): string {
  const lines = [
    `id:               ${e.id}`,
    `source:           ${e.source}`,
    `delivery uuid:    ${e.deliveryUuid}`,
    `resource:         ${e.resourceType} ${e.resourceUuid}`,
    `action:           ${e.action}`,
    `event timestamp:  ${e.eventTimestamp} (${new Date(e.eventTimestamp).toISOString()})`,
    `principal:        ${e.principal}`,
    `received:         ${e.receivedAt.toISOString()}`,
    `status:           ${e.status}`,
    `attempts:         ${e.attempts}`,
  ];
  if (e.processedAt) lines.push(`processed:        ${e.processedAt.toISOString()}`);
  if (e.nextAttemptAt) lines.push(`next attempt:     ${e.nextAttemptAt.toISOString()}`);
  if (e.mappingVersion) lines.push(`mapping version:  ${e.mappingVersion}`);
  if (e.errorCode) {
    lines.push(`error:            ${e.errorCode}`);
    lines.push(...formatErrorDetail(e.errorDetail));
  }
  if (e.conflicts && e.conflicts.count > 0) {
    const last = e.conflicts.lastReceivedAt ? `, last ${e.conflicts.lastReceivedAt.toISOString()}` : '';
    lines.push(
      `conflicts:        ${e.conflicts.count} re-send(s) of this uuid with a different body${last} (kept in inbox_conflicts; the body below is the one the worker uses)`,
    );
  }
  if (e.payloadPurgedAt) lines.push(`body:             purged by retention at ${e.payloadPurgedAt.toISOString()}`);
  else lines.push('body:', indent(prettyBody(e.body), '  '));
  return `${lines.join('\n')}\n`;
}

interface IssueLike {
  code?: string;
  message?: string;
  file?: string;
  field?: string;
  path?: string;
}

/** Mapping failures carry issues (file, field, path); other errors a message and maybe a file. */
function formatErrorDetail(detail: unknown): string[] {
  if (detail === null || typeof detail !== 'object') return detail === null || detail === undefined ? [] : [`  ${String(detail)}`];
  const d = detail as { issues?: IssueLike[]; message?: string; file?: string } & Record<string, unknown>;
  const out: string[] = [];
  if (Array.isArray(d.issues)) {
    for (const i of d.issues) {
      out.push(`  - ${i.code ?? 'ERROR'}: ${i.message ?? ''}`);
      out.push(`    file: ${i.file ?? '-'}  field: ${i.field || '-'}  path: ${i.path || '-'}`);
    }
    return out;
  }
  if (d.message) out.push(`  ${d.message}`);
  for (const [k, v] of Object.entries(d)) if (k !== 'message') out.push(`  ${k}: ${typeof v === 'string' ? v : showJson(v)}`);
  return out;
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return body.toString('utf8');
  }
}

/** Parsed JSON when it can be walked safely; otherwise the stored text. */
function printableBody(body: Buffer): unknown {
  const parsed = parseBody(body);
  return typeof parsed !== 'string' && jsonDepthExceeds(parsed) ? body.toString('utf8') : parsed;
}

/** Indented JSON; a body nested too deep to indent is shown as stored, cut short, with a note saying why. */
function prettyBody(body: Buffer): string {
  const parsed = parseBody(body);
  if (typeof parsed === 'string') return parsed;
  if (!jsonDepthExceeds(parsed)) return JSON.stringify(parsed, null, 2);
  const text = body.toString('utf8');
  const cut =
    text.length > RAW_PREVIEW_CHARS ? `${text.slice(0, RAW_PREVIEW_CHARS)}… (${text.length - RAW_PREVIEW_CHARS} more characters)` : text;
  return `(nested deeper than ${MAX_JSON_DEPTH} levels: shown as stored, not indented)\n${cut}`;
}

function indent(text: string, prefix: string): string {
  return text.replace(/^/gm, prefix);
}
