import type { RecordLink, RecordLinks } from '../domain/record-links';
import type { CompileProblem } from './field-plan';
import { firstOf, hrefReader } from './field-plan';
import type { LinkSpec } from './mapping-schema';
import type { LinkDescriptor, MappingIssue } from './mapping-types';
import { compilePath, FORBIDDEN_SEGMENTS, namesIn, type PathReader } from './path-reader';

/** Longest key a link may carry: the records' key column holds 255 characters. */
const MAX_LINK_KEY = 255;

/** A link compiled for speed: direct readers for its href and id paths, decided once at load. */
export interface LinkPlan {
  name: string;
  entity: string;
  /** The target's uuid, from the last segment of an href. */
  readHref?: PathReader;
  /** The target's id, which may be its external id. */
  readId?: PathReader;
  match?: string;
  /** A field of the mapped record holding the target's key, tried last (a key that only an expression reads). */
  field?: string;
  /** The paths as written, for issues. */
  source: string;
}

/** Compiles the `links` of a mapping file, in name order (so the stored document stays sorted). */
export function compileLinks(specs: Record<string, LinkSpec>, fields: ReadonlySet<string>, problems: CompileProblem[]): LinkPlan[] {
  return Object.entries(specs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, spec]) => {
      const href = listOf(spec.href);
      const from = listOf(spec.from);
      if (href.length + from.length === 0 && spec.field === undefined)
        problems.push({ path: ['links', name], message: `link ${name} needs href, from or field` });
      if (spec.field !== undefined && !fields.has(spec.field))
        problems.push({
          path: ['links', name, 'field'],
          message: `link ${name} names field ${spec.field}, which the mapping does not declare`,
        });
      for (const p of [...href, ...from]) {
        if (namesIn(p).some((s) => FORBIDDEN_SEGMENTS.has(s)))
          problems.push({ path: ['links', name], message: `path ${p} reaches into the object prototype` });
      }
      if (spec.match !== undefined && from.length === 0)
        problems.push({ path: ['links', name, 'match'], message: `link ${name} has match but no from path to match with` });
      return {
        name,
        entity: spec.entity,
        readHref: href.length > 0 ? firstOf(href.map((p) => hrefReader(compilePath(p)))) : undefined,
        readId: from.length > 0 ? firstOf(from.map(compilePath)) : undefined,
        match: spec.match,
        field: spec.field,
        source: [...href.map((p) => `href ${p}`), ...from, ...(spec.field === undefined ? [] : [`field ${spec.field}`])].join(' | '),
      };
    });
}

/** What the rest of the service may know about the links. */
export function describeLinks(plans: readonly LinkPlan[]): LinkDescriptor[] {
  return plans.map((p) => ({ name: p.name, entity: p.entity }));
}

/**
 * Reads the links of one delivery: href first (always the target's uuid), the id second. A link whose sources
 * hold nothing is absent; one that holds something other than an id is an issue, like a field of the wrong type.
 */
export function runLinks(
  plans: readonly LinkPlan[],
  root: unknown,
  data: Record<string, unknown>,
  issue: (field: string, path: string, problem: string) => MappingIssue,
  errors: MappingIssue[],
): RecordLinks {
  const out: RecordLinks = {};
  for (const plan of plans) {
    const byHref = plan.readHref?.(root, root);
    const fromHref = byHref !== undefined && byHref !== null;
    const byId = fromHref ? undefined : plan.readId?.(root, root);
    const fromId = byId !== undefined && byId !== null;
    const raw = fromHref ? byHref : fromId || plan.field === undefined ? byId : data[plan.field];
    if (raw === undefined || raw === null) continue;
    const key = typeof raw === 'string' ? raw : typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : undefined;
    if (key === undefined || key === '' || key.length > MAX_LINK_KEY) {
      errors.push(issue(`$links.${plan.name}`, plan.source, `a link key is a string or number of 1 to ${MAX_LINK_KEY} characters`));
      continue;
    }
    const link: RecordLink = { entity: plan.entity, key };
    if (fromId && plan.match !== undefined) link.match = plan.match;
    out[plan.name] = link;
  }
  return out;
}

function listOf(paths: string | string[] | undefined): string[] {
  return paths === undefined ? [] : typeof paths === 'string' ? [paths] : paths;
}
