import type { z } from 'zod';

/**
 * Words for the config problems zod/v4 describes too tersely for a person fixing a YAML file: a missing key is
 * "Required", an unknown `type`/`mode` names the value and the ones accepted, a bad key in a named set (sources,
 * connectors) says what a name may hold. Messages the schema sets itself win over these.
 * @example configSchema.safeParse(tree, { error: configIssueMessage })
 */
export function configIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'Required';
  if (issue.code === 'invalid_key') return issue.issues[0]?.message;
  if (issue.code === 'invalid_union' && issue.note === 'No matching discriminator') {
    const key = issue.path?.at(-1);
    const value = typeof key === 'string' && isRecord(issue.input) ? issue.input[key] : undefined;
    const accepted = acceptedValues(issue.inst, key);
    return `Invalid discriminator value ${JSON.stringify(value)}${accepted ? `; expected one of ${accepted}` : ''}`;
  }
  return undefined;
}

/** The literal values a discriminated union accepts for `key`, as zod/v4 keeps them on the union schema. */
function acceptedValues(inst: unknown, key: PropertyKey | undefined): string | undefined {
  const propValues = (inst as { _zod?: { propValues?: Record<PropertyKey, Set<unknown>> } } | undefined)?._zod?.propValues;
  const values = key === undefined ? undefined : propValues?.[key];
  return values ? [...values].map((v) => JSON.stringify(v)).join(', ') : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
