/** Salesforce's error for one record: `statusCode`, `message` and the `fields` it names. */
export interface SalesforceRefusal {
  statusCode: string;
  message: string;
  fields: string[];
}

/** A record of the fake org: its Salesforce Id and fields (a Contact's Account reference resolved to AccountId). */
export interface StoredRecord {
  Id: string;
  fields: Record<string, unknown>;
  /** How many upserts wrote it: a replay writes again (Salesforce does too), but creates nothing. */
  writes: number;
}

/** What one record's upsert did, as an sObject collections result and a Bulk API 2.0 results row need it. */
export type RecordResult = { success: true; id: string; created: boolean } | { success: false; error: SalesforceRefusal };

const ID_PREFIX: Record<string, string> = { Account: '001', Contact: '003' };

/**
 * The records of the fake org, by sObject and External ID, and the upsert rules both APIs share: a record is
 * matched by its External ID (created when new, updated otherwise); a reference `Account: { <ExternalIdField>: x }`
 * becomes AccountId, or INVALID_FIELD when no Account has x; a new Contact needs a LastName
 * (REQUIRED_FIELD_MISSING); `refuse` adds the org's own rules (a validation rule: FIELD_CUSTOM_VALIDATION_EXCEPTION).
 */
export class SalesforceOrg {
  readonly objects = new Map<string, Map<string, StoredRecord>>();
  private nextId = 1;

  constructor(
    readonly externalIdField: string,
    private readonly refuse?: (object: string, record: Record<string, unknown>) => SalesforceRefusal | undefined,
  ) {}

  /** The records of one sObject, by External ID. */
  of(object: string): Map<string, StoredRecord> {
    let records = this.objects.get(object);
    if (!records) this.objects.set(object, (records = new Map()));
    return records;
  }

  /** PATCH composite/sobjects/{object}/{field}: `{ allOrNone, records }`, at most 200, one result per record in order. */
  upsertCollection(object: string, field: string, body: unknown): { status: number; body: unknown } {
    const { records } = (body ?? {}) as { allOrNone?: boolean; records?: Array<Record<string, unknown>> };
    if (field !== this.externalIdField)
      return {
        status: 400,
        body: [{ errorCode: 'INVALID_FIELD', message: `Field ${field} is not an External ID or indexed field for ${object}` }],
      };
    if (!Array.isArray(records) || records.length === 0)
      return { status: 400, body: [{ errorCode: 'INVALID_FIELD', message: 'records is required' }] };
    if (records.length > 200)
      return {
        status: 400,
        body: [{ errorCode: 'EXCEEDED_ID_LIMIT', message: 'Record limit reached. Cannot submit more than 200 records into this call' }],
      };
    const seen = new Set<unknown>();
    const results = records.map((record) => {
      if ((record.attributes as { type?: string } | undefined)?.type !== object)
        return failure('INVALID_TYPE', `attributes.type must be ${object}`, []);
      const { attributes: _attributes, ...fields } = record;
      const extId = fields[field];
      if (seen.has(extId)) return failure('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${String(extId)}`, [field]);
      seen.add(extId);
      const outcome = this.upsert(object, fields);
      if (!outcome.success) return { success: false, errors: [outcome.error] };
      return { id: outcome.id, success: true, errors: [], created: outcome.created };
    });
    return { status: 200, body: results };
  }

  /** Upserts one record (its fields, the External ID among them) by the org's rules. */
  upsert(object: string, input: Record<string, unknown>): RecordResult {
    const extId = input[this.externalIdField];
    if (typeof extId !== 'string' || extId === '')
      return { success: false, error: { statusCode: 'MISSING_ARGUMENT', message: `${this.externalIdField} not specified`, fields: [] } };
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(input)) {
      if (value !== null && typeof value === 'object') {
        const ref = (value as Record<string, unknown>)[this.externalIdField];
        const target = this.of('Account').get(String(ref));
        if (!target)
          return {
            success: false,
            error: {
              statusCode: 'INVALID_FIELD',
              message: `Foreign key external ID: ${String(ref)} not found for field ${this.externalIdField} in entity Account`,
              fields: [],
            },
          };
        fields[`${name}Id`] = target.Id;
      } else fields[name] = value;
    }
    const refusal = this.refuse?.(object, fields);
    if (refusal) return { success: false, error: refusal };
    const existing = this.of(object).get(extId);
    if (!existing && object === 'Contact' && (typeof fields.LastName !== 'string' || fields.LastName === ''))
      return {
        success: false,
        error: { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] },
      };
    const stored = existing ?? { Id: `${ID_PREFIX[object] ?? '00X'}${String(this.nextId++).padStart(15, '0')}`, fields: {}, writes: 0 };
    stored.fields = { ...stored.fields, ...fields };
    stored.writes += 1;
    this.of(object).set(extId, stored);
    return { success: true, id: stored.Id, created: !existing };
  }
}

function failure(statusCode: string, message: string, fields: string[]) {
  return { success: false, errors: [{ statusCode, message, fields }] };
}
