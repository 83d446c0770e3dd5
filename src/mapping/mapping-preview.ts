import { isAppError } from '../core/app-error';
import type { RecordLinks } from '../domain/record-links';
import type { CompiledMapping, MappingIssue, MatchedPaths } from './mapping-types';

/** A problem of a preview, with the file, target field and source path that name where it is. */
export type PreviewIssue = Pick<MappingIssue, 'code' | 'message' | 'file' | 'field' | 'path'>;

/** What one delivery maps to: the normalized record, or every issue (and, when readable, the record key). */
export type MappingPreview =
  | {
      ok: true;
      mapping: string;
      entity: string;
      key: string;
      mappingVersion: string;
      data: Record<string, unknown>;
      /** The record's links to other records (docs/adr/0025), by link name. */
      links: RecordLinks;
      /** Which path each path-read field matched: with `from: [a, b]`, the one the value came from. */
      matchedPaths: MatchedPaths;
    }
  | { ok: false; mapping: string | null; entity: string | null; key: string | null; errors: PreviewIssue[] };

/**
 * Maps one parsed delivery with the mapping `find` gives for its resource.type, without storing anything: what
 * `mappings preview` prints and `POST /api/v1/admin/mappings/preview` answers. Never throws for the delivery: a
 * missing mapping, a mapping error or an expression that throws is an issue of the result.
 * @example const p = await previewMapping((t) => registry.forResourceType(t), JSON.parse(text));
 */
export async function previewMapping(
  find: (resourceType: string) => CompiledMapping | undefined,
  delivery: unknown,
): Promise<MappingPreview> {
  const type = (delivery as { resource?: { type?: unknown } } | null)?.resource?.type;
  const mapping = typeof type === 'string' ? find(type) : undefined;
  if (!mapping) {
    const message = `no mapping handles resource.type ${JSON.stringify(type ?? null)}`;
    return {
      ok: false,
      mapping: null,
      entity: null,
      key: null,
      errors: [{ code: 'MAPPING_NOT_FOUND', message, file: '', field: '', path: 'resource.type' }],
    };
  }
  const failed = (errors: PreviewIssue[]): MappingPreview => ({
    ok: false,
    mapping: mapping.file,
    entity: mapping.entity,
    key: keyOrNull(mapping, delivery),
    errors,
  });
  try {
    const result = await mapping.map(delivery);
    if (!result.ok) return failed(result.errors.map(({ code, message, file, field, path }) => ({ code, message, file, field, path })));
    return {
      ok: true,
      mapping: mapping.file,
      entity: mapping.entity,
      key: result.key,
      mappingVersion: result.mappingVersion,
      data: result.data,
      links: result.links,
      matchedPaths: mapping.matchedPaths(delivery),
    };
  } catch (err) {
    // What the worker would record as this event's failure (plan-event.ts): a catalogued code, never a crash.
    const code = isAppError(err) ? err.code : 'WORKER_MAPPING_ERROR';
    return failed([{ code, message: (err as Error).message ?? String(err), file: mapping.file, field: '', path: '' }]);
  }
}

function keyOrNull(mapping: CompiledMapping, delivery: unknown): string | null {
  try {
    return mapping.keyOf(delivery);
  } catch {
    return null; // the key problem is among the errors
  }
}
