import type { SalesforceConnectorConfig } from '../config/connector-schema';
import { AppError, isAppError } from '../core/app-error';
import type { Change } from '../feed/change-feed';
import type { Connector, RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import type { RecordShapes } from './record-shapes';
import type { RefusalPolicy } from './refusal-policy';
import { runFeedPages } from './run-feed-pages';
import { bulkUpsert } from './salesforce-bulk';
import { callSalesforce } from './salesforce-call';
import { mergeInto, splitSaveResults, toFields, type SalesforceRecord, type SaveResult } from './salesforce-records';
import type { SalesforceSession } from './salesforce-session';

type SObject = 'Account' | 'Contact';

/** What happens to a change Salesforce refused: parked by a run, thrown by a resend. */
type OnRefusal = (change: Change, err: AppError) => Promise<void>;

/**
 * Upserts companies into Account and users and memberships into Contact through jsforce, by an External ID field
 * holding the AppDirect id; a Contact names its Account by the same field (`Account: { AppDirect_Id__c }`), so no
 * Salesforce id is ever looked up (docs/connectors/salesforce.md, ADR 0037).
 * @remarks sObject collections of up to 200 records with allOrNone false answer one result per record: each refused
 * record's changes are parked with Salesforce's statusCode, message and fields, the others go through. A run that
 * starts with `bulk.threshold` changes or more to go (a backfill) sends each page through Bulk API 2.0 ingest jobs
 * instead; their failed records are parked with `sf__Error`, their unprocessed ones sent as collections. Accounts
 * of a page go before its Contacts. Deleted records are passed over: a CRM keeps its contacts. Session expiry and
 * REQUEST_LIMIT_EXCEEDED: see callSalesforce.
 */
export class SalesforceConnector implements Connector {
  readonly type = 'salesforce';

  constructor(
    readonly name: string,
    private readonly config: SalesforceConnectorConfig,
    private readonly feed: ConnectorFeed,
    private readonly session: SalesforceSession,
    private readonly shapes: RecordShapes,
    private readonly refusals: RefusalPolicy,
  ) {}

  async run(ctx: RunContext): Promise<RunResult> {
    const park: OnRefusal = (change, err) => this.refusals.refused(change, err, ctx.logger);
    const { threshold, pageSize } = this.config.bulk;
    const backlog = (await this.feed.head()) - (await this.feed.checkpoint());
    const bulk = threshold > 0 && backlog >= threshold;
    if (bulk) ctx.logger.info({ connector: this.name, backlog, threshold }, 'salesforce run uses bulk api 2.0');
    return runFeedPages(this.feed, this.refusals, bulk ? pageSize : this.config.pageSize, ctx, (changes) =>
      this.deliver(changes, park, ctx.signal, bulk),
    );
  }

  async resend(change: Change, signal: AbortSignal): Promise<void> {
    await this.deliver([change], (_c, err) => Promise.reject(err), signal, false);
  }

  /** The sObject collections upsert a change would make (a run above the bulk threshold sends the same record in a job's CSV). */
  async preview(change: Change): Promise<Record<string, unknown> | null> {
    const object = this.objectOf(change);
    if (object === undefined || change.kind === 'deleted') return null;
    const record = await this.recordOf(change, object);
    return {
      requests: [
        {
          method: 'PATCH',
          url: `{instance_url}/services/data/v${this.config.apiVersion}/composite/sobjects/${object}/${this.config.externalIdField}`,
          body: { allOrNone: false, records: [this.bodyOf(object, record)] },
        },
      ],
    };
  }

  /** Delivers one page; returns the changes Salesforce took. */
  private async deliver(changes: Change[], onRefusal: OnRefusal, signal: AbortSignal, bulk: boolean): Promise<number> {
    const byObject: Record<SObject, Map<string, SalesforceRecord>> = { Account: new Map(), Contact: new Map() };
    for (const change of changes) {
      const object = this.objectOf(change);
      if (object === undefined || change.kind === 'deleted') continue;
      try {
        mergeInto(byObject[object], await this.recordOf(change, object));
      } catch (err) {
        if (!isAppError(err)) throw err;
        await onRefusal(change, err);
      }
    }
    let taken = 0;
    for (const object of ['Account', 'Contact'] as const) {
      let pending = [...byObject[object].values()];
      if (pending.length === 0) continue;
      if (bulk) {
        const outcome = await callSalesforce(this.session, this.config.retry, signal, `${object} bulk upsert job`, (conn) =>
          bulkUpsert(conn, pending, {
            object,
            externalIdField: this.config.externalIdField,
            pollIntervalMs: this.config.bulk.pollIntervalMs,
            pollTimeoutMs: this.config.bulk.pollTimeoutMs,
          }),
        );
        for (const { record, message } of outcome.refused) await this.refuse(object, record, message, onRefusal);
        taken += await this.taken(outcome.taken);
        // What the job did not get to goes the ordinary way, so the page is done when this returns.
        pending = outcome.unprocessed;
      }
      const collections: SalesforceRecord[][] = [];
      for (let i = 0; i < pending.length; i += this.config.batchSize) collections.push(pending.slice(i, i + this.config.batchSize));
      taken += await inParallel(this.config.concurrency, collections, (c) => this.upsertCollection(object, c, onRefusal, signal));
    }
    return taken;
  }

  /** One sObject collections upsert (PATCH composite/sobjects/{object}/{externalIdField}, allOrNone false). */
  private async upsertCollection(object: SObject, records: SalesforceRecord[], onRefusal: OnRefusal, signal: AbortSignal): Promise<number> {
    const bodies = records.map((r) => this.bodyOf(object, r));
    const results = await callSalesforce(this.session, this.config.retry, signal, `${object} collection upsert`, async (conn) => {
      const answer: unknown = await conn.sobject(object).upsert(bodies, this.config.externalIdField, { allOrNone: false });
      return (Array.isArray(answer) ? answer : [answer]) as SaveResult[];
    });
    const { taken, refused } = splitSaveResults(records, results);
    for (const { record, message } of refused) await this.refuse(object, record, message, onRefusal);
    return this.taken(taken);
  }

  private async taken(records: readonly SalesforceRecord[]): Promise<number> {
    let n = 0;
    for (const r of records) {
      for (const c of r.changes) {
        await this.refusals.delivered(c);
        n += 1;
      }
    }
    return n;
  }

  private async refuse(object: SObject, record: SalesforceRecord, message: string, onRefusal: OnRefusal): Promise<void> {
    for (const change of record.changes) {
      const err = new AppError(
        'CONNECTOR_REFUSED',
        `Salesforce refused ${object} ${this.config.externalIdField} ${record.id} (${change.entity} ${change.key}): ${message}`,
        { response: message },
      );
      await onRefusal(change, err);
    }
  }

  /** A record as jsforce sends it: the External ID, then the fields (jsforce adds `attributes.type`). */
  private bodyOf(object: SObject, record: SalesforceRecord): Record<string, unknown> {
    return { attributes: { type: object }, [this.config.externalIdField]: record.id, ...record.fields };
  }

  private objectOf(change: Change): SObject | undefined {
    if (this.config.entities.length > 0 && !this.config.entities.includes(change.entity)) return undefined;
    return this.config.objects[change.entity];
  }

  /** The record of a change, through its output mapping; a Contact's company link becomes its Account reference. */
  private async recordOf(change: Change, object: SObject): Promise<SalesforceRecord> {
    const data = await this.shapes.shape(change);
    const { externalIdField, companyLinkField, accountRelationship } = this.config;
    const id = data[externalIdField];
    if (typeof id !== 'string' || id === '') {
      throw new AppError(
        'CONNECTOR_OUTPUT_MAPPING_FAILED',
        `${change.entity} ${change.key}: its output has no ${externalIdField} to upsert by`,
        {
          response: `${externalIdField} missing`,
        },
      );
    }
    const fields = toFields(data, new Set([externalIdField, companyLinkField]));
    const link = data[companyLinkField];
    if (object === 'Contact' && typeof link === 'string' && link !== '') fields[accountRelationship] = { [externalIdField]: link };
    return { id, fields, changes: [change] };
  }
}

/**
 * Runs `work` on each item, at most `limit` at a time, and sums the results. Every started call is waited for before
 * an error is thrown, so no call parks or acks anything after the page has failed.
 */
async function inParallel<T>(limit: number, items: readonly T[], work: (item: T) => Promise<number>): Promise<number> {
  let next = 0;
  let sum = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++] as T;
      try {
        sum += await work(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
  return sum;
}
