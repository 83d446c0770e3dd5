import { createHash } from 'node:crypto';
import { AppError } from '../core/app-error';
import { compileFields, describeFields, inNameOrder, type CompileProblem } from './field-plan';
import type { MappingFile } from './mapping-schema';
import type { CompiledMapping, MappingIssue, MapResult, MatchedPaths } from './mapping-types';
import { compilePath } from './path-reader';
import { parseDropPath, removePaths } from './redact-content';
import { compileLinks, describeLinks, runLinks } from './link-plan';
import { compileLevel } from './level-runner';
import { runFieldsAsync, type RunContext } from './run-field-plans';

/** The record key when a mapping names none: the resource's own id, present on every action including REMOVED. */
export const DEFAULT_KEY_PATH = 'resource.uuid';

/** The version stamped on records: the first 16 hex digits of the SHA-256 of the mapping file's bytes. */
export function mappingVersion(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * Compiles a schema-valid mapping file into a {@link CompiledMapping}. Returns the problems instead when the file
 * has faults the schema cannot see (paths under dropped data, JSONata syntax, bad defaults); each problem carries
 * its YAML path so the loader can name the line.
 */
export function compileMapping(
  def: MappingFile,
  file: string,
  bytes: string | Buffer,
): { mapping: CompiledMapping; problems: [] } | { mapping: undefined; problems: CompileProblem[] } {
  const problems: CompileProblem[] = [];
  const drop = def.drop ?? [];
  const plans = compileFields(def.fields, ['fields'], drop, problems);
  if (plans.length === 0) problems.push({ path: ['fields'], message: 'a mapping needs at least one field' });
  const links = compileLinks(def.links ?? {}, new Set(Object.keys(def.fields)), problems);
  if (problems.length > 0) return { mapping: undefined, problems };

  const keyPath = def.key ?? DEFAULT_KEY_PATH;
  const readKey = compilePath(keyPath);
  const dropSegs = drop.map(parseDropPath);
  const version = mappingVersion(bytes);
  const isAsync = plans.some((p) => p.isAsync);
  const running = inNameOrder(plans);
  const runTop = isAsync ? undefined : compileLevel(running);

  const keyOf = (delivery: unknown): string => {
    const key = idText(readKey(delivery));
    if (key === undefined) {
      throw new AppError(
        'MAPPING_KEY_MISSING',
        `${file}: key path ${keyPath} holds no string or number in delivery ${deliveryUuidOf(delivery)}`,
        {
          file,
          path: keyPath,
        },
      );
    }
    return key;
  };

  const map = (delivery: unknown): MapResult | Promise<MapResult> => {
    const deliveryUuid = deliveryUuidOf(delivery);
    const issue = (code: string, problem: string, path: string): MappingIssue => ({
      code,
      message: `${file}: delivery ${deliveryUuid}: ${problem}`,
      file,
      field: '',
      path,
      deliveryUuid,
    });
    const key = idText(readKey(delivery));
    const early: MappingIssue[] = [];
    if (key === undefined) early.push(issue('MAPPING_KEY_MISSING', `key path ${keyPath} holds no string or number`, keyPath));
    const content = (delivery as { resource?: { content?: unknown } } | null)?.resource?.content;
    if (content === undefined || content === null) {
      early.push(
        issue('MAPPING_CONTENT_ABSENT', 'resource.content is absent (usual for REMOVED); only keyOf() applies', 'resource.content'),
      );
    }
    if (early.length > 0) return { ok: false, errors: early };

    const root = dropSegs.length > 0 ? removePaths(delivery, dropSegs) : delivery;
    const ctx: RunContext = { file, deliveryUuid, root, errors: [] };
    const linkIssue = (field: string, path: string, problem: string): MappingIssue => ({
      ...issue('MAPPING_WRONG_TYPE', `link ${field} (from ${path}): ${problem}`, path),
      field,
    });
    const finish = (data: Record<string, unknown>): MapResult => {
      const found = links.length > 0 ? runLinks(links, root, data, linkIssue, ctx.errors) : {};
      return ctx.errors.length > 0
        ? { ok: false, errors: ctx.errors }
        : { ok: true, key: key as string, data, links: found, mappingVersion: version };
    };
    if (runTop) return finish(runTop(root, ctx, '', ''));
    return runFieldsAsync(running, root, ctx, '', '').then(finish);
  };

  const matchedPaths = (delivery: unknown): MatchedPaths => {
    const root = dropSegs.length > 0 ? removePaths(delivery, dropSegs) : delivery;
    const out: MatchedPaths = {};
    for (const plan of plans) {
      if (!plan.paths) continue;
      const hit = plan.paths.find((p) => {
        const v = p.read(root, root);
        return v !== undefined && v !== null;
      });
      out[plan.name] = hit?.path ?? null;
    }
    return out;
  };

  const mapping: CompiledMapping = {
    file,
    resourceTypes: [def.resourceType, ...(def.aliases ?? [])],
    entity: def.entity,
    version,
    provisional: def.provisional ?? false,
    fields: describeFields(plans),
    links: describeLinks(links),
    drop: [...drop],
    isAsync,
    keyOf,
    map,
    matchedPaths,
  };
  return { mapping: Object.freeze(mapping), problems: [] };
}

/** The envelope uuid for messages; `(unknown)` when the delivery has none. */
export function deliveryUuidOf(delivery: unknown): string {
  const uuid = (delivery as { uuid?: unknown } | null)?.uuid;
  return typeof uuid === 'string' || typeof uuid === 'number' ? String(uuid) : '(unknown)';
}

function idText(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
