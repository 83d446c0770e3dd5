import type { FieldPlan } from './field-plan';
import { collection, runFieldsSync, settle, type RunContext } from './run-field-plans';

/** Maps one level of fields (a record, or one item of a collection) with plain reads only. */
export type LevelRunner = (scope: unknown, ctx: RunContext, fieldPrefix: string, pathPrefix: string) => Record<string, unknown>;

/**
 * Compiles a level of synchronous field plans into one function that builds the output as an object literal, so
 * the record gets its final shape in one allocation instead of growing key by key (the generic loop of
 * runFieldsSync). The generated code holds only field names, which the schema restricts to letters, digits and `_`
 * (`__proto__` excepted: such a level keeps the generic loop), and indexes into `plans`; every value still goes
 * through the same settle() and collection() as the generic path, so both behave alike.
 *
 * @remarks Item levels of collections are compiled too and set as `runItems` on their plan, which must be a plan of
 * the mapping's own (inNameOrder copies them). Levels with a JSONata expression are left to runFieldsAsync.
 */
export function compileLevel(plans: readonly FieldPlan[]): LevelRunner {
  for (const plan of plans) if (plan.items && !plan.isAsync) plan.runItems = compileLevel(plan.items);
  if (plans.some((p) => p.expr !== undefined || !SAFE_NAME.test(p.name))) {
    return (scope, ctx, fieldPrefix, pathPrefix) => runFieldsSync(plans, scope, ctx, fieldPrefix, pathPrefix);
  }
  const collections = plans.flatMap((p, i) => (p.items ? [i] : []));
  const entries = plans.map((p, i) => {
    const raw = p.read ? `p[${i}].read(scope, root)` : `p[${i}].constant`;
    const value = p.items ? `collection(p[${i}], ${raw}, scope, ctx, fp, pp, items${i})` : `settle(p[${i}], ${raw}, ctx, fp, pp, scope)`;
    return `${JSON.stringify(p.name)}: ${value}`;
  });
  const itemRunners = collections.map(
    (i) =>
      `const items${i} = (item, f, q) => p[${i}].runItems ? p[${i}].runItems(item, ctx, f, q) : runFieldsSync(p[${i}].items, item, ctx, f, q);`,
  );
  const source = `return function level(scope, ctx, fp, pp) {
  const root = ctx.root;
  ${itemRunners.join('\n  ')}
  return { ${entries.join(',\n    ')} };
};`;
  // Generated from validated field names and indexes only (see above); no delivery data reaches the source text.
  const factory = new Function('p', 'settle', 'collection', 'runFieldsSync', source) as (
    p: readonly FieldPlan[],
    s: typeof settle,
    c: typeof collection,
    r: typeof runFieldsSync,
  ) => LevelRunner;
  return factory(plans, settle, collection, runFieldsSync);
}

/** A name safe as an object-literal key: not one that would set the prototype. */
const SAFE_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;
