import type { EventDetail } from '../inbox/event-admin-store';
import type { StoredRecord } from '../records/record-store';

/**
 * An event as the admin API shows it: every field, the body as the stored text (null once purged; a client
 * parses it, so no depth limit applies here), and the error detail with its file, field and path.
 */
export function eventDetailJson(e: EventDetail): Record<string, unknown> {
  return { ...e, body: e.payloadPurgedAt ? null : e.body.toString('utf8') };
}

/** A record with its data and raw content parsed back to JSON. */
export function recordJson(r: StoredRecord): Record<string, unknown> {
  return { ...r, data: parse(r.data), rawContent: r.rawContent === null ? null : parse(r.rawContent) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
