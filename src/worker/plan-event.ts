import { stringifyBounded } from '../core/json-bounds';
import type { ClaimedEvent, EventCompletion } from '../inbox/inbox-queue';
import { redactContent, type MappingIssue, type MappingRegistry } from '../mapping';
import type { MappedEvent } from '../records/apply-event';
import { withLinks } from '../domain/record-links';
import { canonicalJson } from '../records/canonical-json';
import type { RecordRef } from '../records/record-store';
import { eventFailure } from './event-failure';

/** What the worker will do with one claimed event: apply it to a record, or end it as failed or unmapped. */
export type EventPlan =
  | { kind: 'apply'; event: ClaimedEvent; ref: RecordRef; mapped: MappedEvent }
  | { kind: 'end'; event: ClaimedEvent; completion: EventCompletion };

/**
 * Maps one claimed event, outside any transaction (mapping may await JSONata).
 *
 * @remarks A mapping error is data about the event (status `failed`, with code, field and path), never an
 * exception: it would fail the same way on every retry. So is anything else mapping or serializing this one event
 * throws (a delivery nested too deep, a bug): planning never rejects for one event, so it never fails a batch. A REMOVED whose content is absent, or cannot be mapped,
 * still removes: its key is all a tombstone needs, and the record keeps its last data.
 */
export async function planEvent(event: ClaimedEvent, mappings: MappingRegistry): Promise<EventPlan> {
  const mapping = mappings.forResourceType(event.resourceType);
  if (!mapping) return end(event, { id: event.id, status: 'unmapped' });
  // One try around the whole event, in this function: no extra promise per event on the hot path.
  try {
    let delivery: { resource?: { content?: unknown } };
    try {
      delivery = JSON.parse(event.body.toString('utf8')) as typeof delivery;
    } catch {
      return end(event, failed(event, 'WORKER_PAYLOAD_UNREADABLE', { message: 'stored body is not JSON (purged?)' }));
    }

    const key = mapping.keyOf(delivery);
    const ref: RecordRef = { source: event.source, entity: mapping.entity, key };
    const version = { timestamp: event.timestamp, action: event.action, uuid: event.deliveryUuid };
    const content = delivery.resource?.content;
    const hasContent = content !== undefined && content !== null;

    let data: string | undefined;
    if (hasContent || event.action !== 'REMOVED') {
      const result = await mapping.map(delivery);
      if (result.ok) data = canonicalJson(withLinks(result.data, result.links));
      else if (event.action !== 'REMOVED') return end(event, failedMapping(event, result.errors, mapping.version));
    }
    // Raw content is kept for reference and re-mapping, never compared: plain JSON is enough (and much cheaper).
    // Only strings leave this function, so what crosses back from the mapping thread is never deep.
    const rawContent = hasContent ? stringifyBounded(redactContent(mapping, content), 'resource.content') : null;
    return { kind: 'apply', event, ref, mapped: { version, action: event.action, data, rawContent, mappingVersion: mapping.version } };
  } catch (err) {
    // Whatever one event throws is that event's failure, never its batch's: see eventFailure.
    const f = eventFailure(err);
    return end(event, failed(event, f.code, { message: f.message, file: mapping.file, ...f.details }, mapping.version));
  }
}

function end(event: ClaimedEvent, completion: EventCompletion): EventPlan {
  return { kind: 'end', event, completion };
}

function failed(event: ClaimedEvent, code: string, detail: Record<string, unknown>, mappingVersion?: string): EventCompletion {
  return { id: event.id, status: 'failed', errorCode: code, errorDetail: detail, mappingVersion };
}

/**
 * The first issue's code (issues come in field-name order, see inNameOrder) is the event's error code; every issue
 * (file, field, path) is kept as detail.
 */
function failedMapping(event: ClaimedEvent, issues: MappingIssue[], mappingVersion: string): EventCompletion {
  const code = issues[0]?.code ?? 'MAPPING_FAILED';
  return failed(event, code, { issues }, mappingVersion);
}
