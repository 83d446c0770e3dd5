/** One input of a HubSpot batch upsert: the AppDirect id in the unique property, and the other properties. */
export interface UpsertInput {
  id: string;
  idProperty: string;
  properties: Record<string, string>;
}

/** One error of a 207 answer, as HubSpot documents it (`errors[]` of a BatchResponse…WithErrors). */
export interface BatchError {
  message: string;
  category?: string;
  context?: Record<string, string[] | undefined>;
}

/** What a batch upsert did per input: the HubSpot id of each taken one, the message of each refused one. */
export interface UpsertOutcome {
  taken: Map<string, string>;
  refused: Map<string, string>;
}

/**
 * Splits a batch upsert's answer per input. HubSpot answers 200 when all were taken and 207 with `errors[]` when
 * some were not; an error names its inputs in `context` (`id`/`ids`, or the unique property's name), else in its
 * message. An input that is neither in `results` nor named by an error was refused by the errors no input claims.
 * @example splitUpsertAnswer(inputs, 'appdirect_id', answer.results, answer.errors ?? [])
 */
export function splitUpsertAnswer(
  inputs: readonly UpsertInput[],
  idProperty: string,
  results: ReadonlyArray<{ id: string; properties: Record<string, string | null | undefined> }>,
  errors: readonly BatchError[],
): UpsertOutcome {
  const taken = new Map<string, string>();
  for (const r of results) {
    const appdirectId = r.properties[idProperty];
    if (typeof appdirectId === 'string') taken.set(appdirectId, r.id);
  }
  const refused = new Map<string, string>();
  const unclaimed: string[] = [];
  for (const e of errors) {
    const named = [...(e.context?.id ?? []), ...(e.context?.ids ?? []), ...(e.context?.[idProperty] ?? [])];
    const claimed = inputs.filter((i) => named.includes(i.id) || (named.length === 0 && mentions(e.message, i.id)));
    for (const i of claimed) refused.set(i.id, describe(e));
    if (claimed.length === 0) unclaimed.push(describe(e));
  }
  for (const i of inputs) {
    if (taken.has(i.id) || refused.has(i.id)) continue;
    refused.set(i.id, unclaimed.length > 0 ? unclaimed.join('; ') : 'HubSpot returned neither a result nor an error for this input');
  }
  return { taken, refused };
}

function describe(e: BatchError): string {
  return e.category ? `${e.category}: ${e.message}` : e.message;
}

/** The id as a whole word of the message (an id that is a prefix of another does not match it). */
function mentions(message: string, id: string): boolean {
  let at = message.indexOf(id);
  while (at >= 0) {
    const before = message[at - 1];
    const after = message[at + id.length];
    if (!isIdChar(before) && !isIdChar(after)) return true;
    at = message.indexOf(id, at + 1);
  }
  return false;
}

function isIdChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_-]/.test(c);
}

/**
 * The properties HubSpot takes: strings, objects and arrays as JSON. Null and missing values are left out rather
 * than sent as '' (which would clear the property): a user's change and a membership's change shape the same
 * contact, and neither should blank what the other one set.
 */
export function toProperties(data: Record<string, unknown>, omit: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (omit.has(k) || v === null || v === undefined) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
  }
  return out;
}
