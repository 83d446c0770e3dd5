import { splitLinks, type RecordLinks } from '../domain/record-links';
import type { EventDetail } from '../inbox/event-admin-store';
import type { StoredRecord } from '../records/record-store';

/**
 * An event as the admin API shows it: every field, the body as the stored text (null once purged; a client
 * parses it, so no depth limit applies here), and the error detail with its file, field and path.
 */
export function eventDetailJson(e: EventDetail): Record<string, unknown> {
  return { ...e, body: e.payloadPurgedAt ? null : e.body.toString('utf8') };
}

/** A record with its data (its links beside it) and raw content parsed back to JSON. */
export function recordJson(r: StoredRecord): Record<string, unknown> {
  return { ...r, ...dataAndLinks(r.data), rawContent: r.rawContent === null ? null : parse(r.rawContent) };
}

/** A stored record document as `data` and `links`, as the feed and the records API show them. */
export function dataAndLinks(document: string): { data: unknown; links: RecordLinks } {
  const parsed = parse(document);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { data: parsed, links: {} };
  return splitLinks(parsed as Record<string, unknown>);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
