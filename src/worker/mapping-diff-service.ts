import { isAppError } from '../core/app-error';
import type { EventAdminStore, EventDetail } from '../inbox/event-admin-store';
import type { CompiledMapping, MappingIssue } from '../mapping';
import { diffJson, type DiffEntry } from '../mapping/json-diff';
import type { RecordRef, RecordStore } from '../records/record-store';
import type { RemapStore } from '../records/remap-store';

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
      const issue = { code: 'MAPPING_NOT_FOUND', message: `no valid mapping in the folder handles ${event.resourceType}`, file: '', field: '', path: 'resource.type', deliveryUuid: event.deliveryUuid };
      return { event, outcome: 'failing', issues: [issue] };
    }
    const delivery = JSON.parse(event.body.toString('utf8')) as { resource?: { content?: unknown } };
    if (event.action === 'REMOVED' && (delivery.resource?.content === undefined || delivery.resource.content === null)) {
      return { event, outcome: 'skipped', reason: 'REMOVED without content' };
    }
    let key: string;
    try {
      key = mapping.keyOf(delivery);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return { event, outcome: 'failing', issues: [{ code: err.code, message: err.message, file: mapping.file, field: '', path: '', deliveryUuid: event.deliveryUuid }] };
    }
    const result = await mapping.map(delivery);
    if (!result.ok) return { event, outcome: 'failing', issues: result.errors };

    const stored = await this.storedFor(event, { source: event.source, entity: mapping.entity, key });
    if (!stored) return { event, outcome: 'skipped', reason: 'no stored record or change' };
    // Through JSON so both sides compare as stored: dates as strings, no undefined keys.
    const entries = diffJson(JSON.parse(stored.data) as unknown, JSON.parse(JSON.stringify(result.data)) as unknown);
    return { event, outcome: entries.length > 0 ? 'different' : 'unchanged', comparedWith: stored.comparedWith, entries };
  }

  private async storedFor(event: EventDetail, ref: RecordRef): Promise<{ data: string; comparedWith: ComparedWith } | undefined> {
    const change = await this.remaps.changeOf(event.id);
    const record = await this.records.get(change?.ref ?? ref);
    if (record && record.version.uuid === event.deliveryUuid) return { data: record.data, comparedWith: 'record' };
    if (change) return { data: change.data, comparedWith: 'change' };
    return record ? { data: record.data, comparedWith: 'superseded' } : undefined;
  }
}
