import type { FieldPlan } from './field-plan';
import type { MappingIssue } from './mapping-types';
import { ValueRejected } from './value-normalizers';

/** Where a run is, for issues: which file and delivery, and every issue met so far (all are reported, not the first). */
export interface RunContext {
  file: string;
  deliveryUuid: string;
  /** The whole (redacted) envelope, bound as $delivery in expressions evaluated on collection items. */
  root: unknown;
  errors: MappingIssue[];
}

/**
 * Maps one level of fields with no expression anywhere below: plain reads and normalizers, fully synchronous.
 * @remarks This is the fast path; it allocates only the output objects.
 */
export function runFieldsSync(
  plans: readonly FieldPlan[],
  scope: unknown,
  ctx: RunContext,
  fieldPrefix: string,
  pathPrefix: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const plan of plans) {
    const raw = plan.read ? plan.read(scope, ctx.root) : plan.constant;
    const runItems = plan.runItems;
    out[plan.name] = plan.items
      ? collection(plan, raw, scope, ctx, fieldPrefix, pathPrefix, (item, f, p) =>
          runItems ? runItems(item, ctx, f, p) : runFieldsSync(plan.items as FieldPlan[], item, ctx, f, p),
        )
      : settle(plan, raw, ctx, fieldPrefix, pathPrefix, scope);
  }
  return out;
}

/**
 * Maps one level of fields where some use JSONata. The level's expressions are evaluated together (one await per
 * level, not per field); item levels follow the same rule.
 */
export async function runFieldsAsync(
  plans: readonly FieldPlan[],
  scope: unknown,
  ctx: RunContext,
  fieldPrefix: string,
  pathPrefix: string,
): Promise<Record<string, unknown>> {
  const bindings = { delivery: ctx.root };
  const evaluated = await Promise.all(
    plans.map((plan) =>
      plan.expr
        ? plan.expr.evaluate(scope, bindings).then(
            (value: unknown) => ({ value, failed: undefined }),
            (err: unknown) => ({ value: undefined, failed: err as Error }),
          )
        : undefined,
    ),
  );
  const out: Record<string, unknown> = {};
  for (const [i, plan] of plans.entries()) {
    const result = evaluated[i];
    if (result?.failed) {
      report(ctx, 'MAPPING_EXPRESSION_FAILED', `expression failed: ${result.failed.message}`, plan, fieldPrefix, pathPrefix);
      out[plan.name] = null;
      continue;
    }
    const raw = result ? unwrapSequence(result.value) : plan.read ? plan.read(scope, ctx.root) : plan.constant;
    if (!plan.items) {
      out[plan.name] = settle(plan, raw, ctx, fieldPrefix, pathPrefix, scope);
      continue;
    }
    const items = plan.items;
    const pending: Array<Promise<void>> = [];
    const mapped = collection(plan, raw, scope, ctx, fieldPrefix, pathPrefix, (item, f, p) => {
      if (!plan.isAsync) return runFieldsSync(items, item, ctx, f, p);
      const slot: Record<string, unknown> = {};
      pending.push(runFieldsAsync(items, item, ctx, f, p).then((r) => void Object.assign(slot, r)));
      return slot;
    });
    await Promise.all(pending);
    out[plan.name] = mapped;
  }
  return out;
}

/** Applies default, required and type to one present-or-missing value. */
export function settle(plan: FieldPlan, raw: unknown, ctx: RunContext, fieldPrefix: string, pathPrefix: string, scope?: unknown): unknown {
  if (raw === undefined || raw === null) {
    if (plan.hasDefault) return plan.defaultValue;
    if (plan.required) {
      const what = plan.expr ? 'its expression yielded nothing' : 'the source path holds no value';
      report(ctx, 'MAPPING_REQUIRED_FIELD_MISSING', `required field is missing: ${what}`, plan, fieldPrefix, pathPrefix);
    }
    return null;
  }
  try {
    return plan.normalize(raw);
  } catch (err) {
    if (!(err instanceof ValueRejected)) throw err;
    report(ctx, err.code, err.message, plan, fieldPrefix, pathPrefix, matchedPath(plan, scope, ctx.root));
    return null;
  }
}

/** Maps a list item by item with `mapItem`; a missing list settles like a field, a non-list is an issue. */
export function collection(
  plan: FieldPlan,
  raw: unknown,
  scope: unknown,
  ctx: RunContext,
  fieldPrefix: string,
  pathPrefix: string,
  mapItem: (item: unknown, fieldPrefix: string, pathPrefix: string) => Record<string, unknown>,
): unknown {
  if (raw === undefined || raw === null || !Array.isArray(raw)) {
    if (raw !== undefined && raw !== null) {
      report(ctx, 'MAPPING_WRONG_TYPE', 'expected a list for a collection', plan, fieldPrefix, pathPrefix);
      return null;
    }
    return settle(plan, raw, ctx, fieldPrefix, pathPrefix, scope);
  }
  const source = matchedPath(plan, scope, ctx.root) ?? plan.source;
  const field = `${fieldPrefix}${plan.name}`;
  const path = `${pathPrefix}${plan.expr ? `(${plan.source})` : source}`;
  const out = new Array<Record<string, unknown>>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = mapItem(raw[i], `${field}[${i}].`, `${path}[${i}].`);
  return out;
}

/** JSONata marks sequences with a `sequence` flag; a one-item sequence is its item, an empty one is nothing. */
function unwrapSequence(v: unknown): unknown {
  if (Array.isArray(v) && (v as { sequence?: boolean }).sequence) {
    if (v.length === 0) return undefined;
    return Array.from(v);
  }
  return v;
}

/**
 * Which of a field's paths gave its value: the path itself when it has one, the first holding a value when it has
 * several (only looked up for an issue or a preview, never on the hot path).
 */
export function matchedPath(plan: FieldPlan, scope: unknown, root: unknown): string | undefined {
  const paths = plan.paths;
  if (!paths || paths.length === 0) return undefined;
  if (paths.length === 1) return paths[0]?.path;
  return paths.find((p) => {
    const v = p.read(scope, root);
    return v !== undefined && v !== null;
  })?.path;
}

function report(
  ctx: RunContext,
  code: string,
  problem: string,
  plan: FieldPlan,
  fieldPrefix: string,
  pathPrefix: string,
  matched?: string,
): void {
  const field = `${fieldPrefix}${plan.name}`;
  const path = plan.expr ? `${pathPrefix}(${plan.source})` : `${pathPrefix}${matched ?? plan.source}`;
  ctx.errors.push({
    code,
    message: `${ctx.file}: field ${field} (from ${path}) of delivery ${ctx.deliveryUuid}: ${problem}`,
    file: ctx.file,
    field,
    path,
    deliveryUuid: ctx.deliveryUuid,
  });
}
