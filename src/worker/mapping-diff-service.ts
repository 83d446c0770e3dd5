import { AppError } from '../core/app-error';
import type { EventAdminStore, EventDetail } from '../inbox/event-admin-store';
import type { CompiledMapping, MappingIssue } from '../mapping';
import { diffJson, type DiffEntry } from '../mapping/json-diff';
import type { RecordRef, RecordStore } from '../records/record-store';
import type { RemapStore } from '../records/remap-store';
import { withLinks } from '../domain/record-links';
import { canonicalJson } from '../records/canonical-json';
import { eventFailure } from './event-failure';

/** What the stored side of a comparison was. */
export type ComparedWith = 'record' | 'change' | 'superseded';

/** One processed event run through the mapping files on disk and compared with what is stored. */
export type EventDiff =
  | { event: EventDetail; outcome: 'different' | 'unchanged'; comparedWith: ComparedWith; entries: DiffEntry[] }
  | { event: EventDetail; outcome: 'failing'; issues: MappingIssue[] }
  | { event: EventDetail; outcome: 'skipped'; reason: string };

/**
 * `mappings diff`: what an edited mapping would change, before it is deployed.
 *
 * @remarks The stored side is the record when this event produced its current state; otherwise the change this
 * event appended; otherwise (a stale event, or one whose record moved on) the current record, marked
 * `superseded`. Nothing is written.
 */
export class MappingDiffService {
  constructor(
    private readonly events: EventAdminStore,
    private readonly records: RecordStore,
    private readonly remaps: RemapStore,
  ) {}

  async diff(candidates: CompiledMapping[], options: { last: number; entity?: string }): Promise<EventDiff[]> {
    const mappings = candidates.filter((m) => !options.entity || m.entity === options.entity);
    const types = options.entity ? mappings.flatMap((m) => m.resourceTypes) : undefined;
    if (types && types.length === 0) return [];
    const events = await this.events.recentProcessed(options.last, types);
    const out: EventDiff[] = [];
    for (const event of events) out.push(await this.diffOne(event, mappings));
    return out;
  }

  private async diffOne(event: EventDetail, mappings: CompiledMapping[]): Promise<EventDiff> {
    if (event.payloadPurgedAt || event.body.length === 0) return { event, outcome: 'skipped', reason: 'payload purged' };
    const mapping = mappings.find((m) => m.resourceTypes.includes(event.resourceType));
    if (!mapping) {
      const issue = {
        code: 'MAPPING_NOT_FOUND',
        message: `no valid mapping in the folder handles ${event.resourceType}`,
        file: '',
        field: '',
        path: 'resource.type',
        deliveryUuid: event.deliveryUuid,
      };
      return { event, outcome: 'failing', issues: [issue] };
    }
    let mapped: { key: string; data: unknown } | EventDiff;
    try {
      mapped = await this.mapOne(event, mapping);
    } catch (err) {
      // One event the mapping cannot handle (too deep, a bug, an unreadable body) is reported; the others still are.
      const f = eventFailure(err);
      return {
        event,
        outcome: 'failing',
        issues: [{ code: f.code, message: f.message, file: mapping.file, field: '', path: '', deliveryUuid: event.deliveryUuid }],
      };
    }
    if ('event' in mapped) return mapped;

    const stored = await this.storedFor(event, { source: event.source, entity: mapping.entity, key: mapped.key });
    if (!stored) return { event, outcome: 'skipped', reason: 'no stored record or change' };
    const entries = diffJson(JSON.parse(stored.data) as unknown, mapped.data);
    return { event, outcome: entries.length > 0 ? 'different' : 'unchanged', comparedWith: stored.comparedWith, entries };
  }

  /** The event's key and mapped data, or why there is none; throws what the event itself cannot get past. */
  private async mapOne(event: EventDetail, mapping: CompiledMapping): Promise<{ key: string; data: unknown } | EventDiff> {
    let delivery: { resource?: { content?: unknown } };
    try {
      delivery = JSON.parse(event.body.toString('utf8')) as typeof delivery;
    } catch {
      throw new AppError('WORKER_PAYLOAD_UNREADABLE', 'stored body is not JSON');
    }
    if (event.action === 'REMOVED' && (delivery.resource?.content === undefined || delivery.resource.content === null)) {
      return { event, outcome: 'skipped', reason: 'REMOVED without content' };
    }
    const key = mapping.keyOf(delivery);
    const result = await mapping.map(delivery);
    if (!result.ok) return { event, outcome: 'failing', issues: result.errors };
    // Through canonical JSON so both sides compare as stored (dates as strings, no undefined keys, links under
    // $links), and bounded.
    return { key, data: JSON.parse(canonicalJson(withLinks(result.data, result.links))) as unknown };
  }

  private async storedFor(event: EventDetail, ref: RecordRef): Promise<{ data: string; comparedWith: ComparedWith } | undefined> {
    const change = await this.remaps.changeOf(event.id);
    const record = await this.records.get(change?.ref ?? ref);
    if (record && record.version.uuid === event.deliveryUuid) return { data: record.data, comparedWith: 'record' };
    if (change) return { data: change.data, comparedWith: 'change' };
    return record ? { data: record.data, comparedWith: 'superseded' } : undefined;
  }
}
