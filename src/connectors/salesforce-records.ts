import type { Change } from '../feed/change-feed';

/** One Salesforce record of a page: its fields (the External ID among them) and the changes that shape it. */
export interface SalesforceRecord {
  /** The AppDirect id, the External ID field's value. */
  id: string;
  fields: Record<string, SalesforceValue>;
  changes: Change[];
}

/** A field value as sent: a scalar, or a reference to another record by External ID (`Account: { AppDirect_Id__c }`). */
export type SalesforceValue = string | number | boolean | { [field: string]: string };

/** One error of a per-record save result, as Salesforce documents it (SaveResult / UpsertResult `errors[]`). */
export interface SaveError {
  statusCode?: string;
  message?: string;
  fields?: string[];
}

/** One entry of an sObject collections answer, in the order of the records sent. */
export interface SaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: SaveError[];
}

/**
 * The fields Salesforce is sent for a shaped record: scalars as they are, objects and arrays as JSON. Null and
 * missing values are left out rather than sent as null (which would clear the field): a user's change and a
 * membership's change shape the same Contact, and neither should blank what the other one set.
 */
export function toFields(data: Record<string, unknown>, omit: ReadonlySet<string>): Record<string, SalesforceValue> {
  const out: Record<string, SalesforceValue> = {};
  for (const [k, v] of Object.entries(data)) {
    if (omit.has(k) || v === null || v === undefined) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
  }
  return out;
}

/** Two changes of one record in a page become one record (Salesforce refuses an External ID twice in a request): later values win. */
export function mergeInto(into: Map<string, SalesforceRecord>, next: SalesforceRecord): void {
  const earlier = into.get(next.id);
  if (earlier === undefined) {
    into.set(next.id, next);
    return;
  }
  earlier.fields = { ...earlier.fields, ...next.fields };
  earlier.changes.push(...next.changes);
}

/** Salesforce's words for a refused record: `statusCode: message (fields: A, B)` per error. */
export function describeErrors(errors: readonly SaveError[] | undefined): string {
  if (!errors || errors.length === 0) return 'Salesforce returned success: false without an error';
  return errors
    .map((e) => {
      const fields = e.fields && e.fields.length > 0 ? ` (fields: ${e.fields.join(', ')})` : '';
      return `${e.statusCode ?? 'UNKNOWN'}: ${e.message ?? ''}${fields}`;
    })
    .join('; ')
    .slice(0, 2000);
}

/**
 * Splits an sObject collections answer per record: Salesforce answers one result per record sent, in order, each
 * `success` or with its `errors`. A missing result (a shorter answer) counts as refused, so nothing is acked unseen.
 */
export function splitSaveResults(
  records: readonly SalesforceRecord[],
  results: readonly SaveResult[],
): { taken: SalesforceRecord[]; refused: Array<{ record: SalesforceRecord; message: string }> } {
  const taken: SalesforceRecord[] = [];
  const refused: Array<{ record: SalesforceRecord; message: string }> = [];
  records.forEach((record, i) => {
    const result = results[i];
    if (result?.success === true) taken.push(record);
    else refused.push({ record, message: result ? describeErrors(result.errors) : 'Salesforce returned no result for this record' });
  });
  return { taken, refused };
}
