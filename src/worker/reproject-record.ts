import { isAppError } from '../core/app-error';
import type { CompiledMapping, MappingIssue, MappingRegistry } from '../mapping';
import { withLinks } from '../domain/record-links';
import { canonicalJson } from '../records/canonical-json';
import type { RemapCandidate } from '../records/remap-store';
import { eventFailure } from './event-failure';

/** What mapping a record's producing event again gives. */
export type Reprojection =
  | { kind: 'mapped'; data: string; mappingVersion: string }
  | { kind: 'failed'; issues: MappingIssue[] }
  | { kind: 'skipped'; reason: string };

interface Delivery {
  resource?: { content?: unknown };
}

/**
 * Runs the current mapping over the event that produced a record: its stored inbox body, or, once retention
 * purged that body, an envelope rebuilt from the record's redacted content and its version fields.
 *
 * @remarks The record key must come out the same: a mapping whose key path changed would describe another
 * record, which a remap cannot move, so such records are skipped and reported. Whatever mapping one record
 * throws is that record's failure (`failed`, with a catalogued code), never the remap's.
 */
export async function reprojectRecord(c: RemapCandidate, mappings: MappingRegistry): Promise<Reprojection> {
  const mapping =
    (c.resourceType ? mappings.forResourceType(c.resourceType) : undefined) ?? mappings.all().find((m) => m.entity === c.ref.entity);
  if (!mapping || mapping.entity !== c.ref.entity) return { kind: 'skipped', reason: 'no mapping produces this entity any more' };
  try {
    return await reproject(c, mapping);
  } catch (err) {
    // A record whose stored event the mapping cannot get past (too deep, a bug) fails alone; the remap goes on.
    const f = eventFailure(err);
    return {
      kind: 'failed',
      issues: [{ code: f.code, message: f.message, file: mapping.file, field: '', path: '', deliveryUuid: c.version.uuid }],
    };
  }
}

async function reproject(c: RemapCandidate, mapping: CompiledMapping): Promise<Reprojection> {
  const delivery = deliveryOf(c, mapping.resourceTypes[0] ?? c.ref.entity);
  if (!delivery) return { kind: 'skipped', reason: 'no content to map (payload purged and no stored content)' };
  try {
    const key = mapping.keyOf(delivery);
    if (key !== c.ref.key) return { kind: 'skipped', reason: `the mapping now gives key ${JSON.stringify(key)}` };
  } catch (err) {
    if (!isAppError(err)) throw err;
    return { kind: 'skipped', reason: `${err.code}: ${err.message}` };
  }
  const result = await mapping.map(delivery);
  if (!result.ok) return { kind: 'failed', issues: result.errors };
  return { kind: 'mapped', data: canonicalJson(withLinks(result.data, result.links)), mappingVersion: mapping.version };
}

function deliveryOf(c: RemapCandidate, fallbackType: string): Delivery | undefined {
  let parsed: Delivery | undefined;
  if (c.body) {
    try {
      parsed = JSON.parse(c.body.toString('utf8')) as Delivery;
    } catch {
      parsed = undefined;
    }
  }
  const content = parsed?.resource?.content;
  if (parsed && content !== undefined && content !== null) return parsed;
  // A REMOVED without content kept the content of the event before it: map that, under this event's envelope.
  if (c.rawContent === null) return undefined;
  return {
    ...(parsed ?? {}),
    uuid: c.version.uuid,
    timestamp: c.version.timestamp,
    resourceAction: c.version.action,
    resource: {
      ...(parsed?.resource ?? {}),
      type: c.resourceType ?? fallbackType,
      uuid: c.resourceUuid ?? c.ref.key,
      content: JSON.parse(c.rawContent) as unknown,
    },
  } as Delivery;
}
