import type { Client } from '@hubspot/api-client';
import type { HubspotConnectorConfig } from '../config/connector-schema';
import { AppError, isAppError } from '../core/app-error';
import type { Change } from '../feed/change-feed';
import type { Connector, RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import { splitUpsertAnswer, toProperties, type BatchError, type UpsertInput } from './hubspot-batch';
import { callHubspot } from './hubspot-call';
import type { RecordShapes } from './record-shapes';
import type { RefusalPolicy } from './refusal-policy';
import { runFeedPages } from './run-feed-pages';

type ObjectType = 'companies' | 'contacts';

/** One HubSpot object of a page: the changes that shape it (a user's and a membership's may share a contact). */
interface Pending {
  input: UpsertInput;
  changes: Change[];
  /** The AppDirect id of the contact's company, to associate it with. */
  companyId?: string;
  /** The changes that named the company (memberships): parked alone when the association cannot be made. */
  linking: Change[];
}

/** What happens to a change HubSpot refused: parked by a run, thrown by a resend. */
type OnRefusal = (change: Change, err: AppError) => Promise<void>;

/**
 * Upserts companies and contacts into HubSpot through `@hubspot/api-client`, by a unique property holding the
 * AppDirect id, and associates each contact with its company (docs/connectors/hubspot.md).
 * @remarks A batch upsert answers 207 with errors per input: each refused input's changes are parked with
 * HubSpot's message and the others go through; a batch refused as a whole (400) is sent again one input at a time
 * so only the refused inputs are parked. Companies of a feed page (pageSize changes) go before its contacts, in
 * batches of batchSize, so a membership finds its company. Deleted records are passed over: a CRM keeps its contacts. Rate limits: see callHubspot.
 */
export class HubspotConnector implements Connector {
  readonly type = 'hubspot';

  constructor(
    readonly name: string,
    private readonly config: HubspotConnectorConfig,
    private readonly feed: ConnectorFeed,
    /** The HubSpot client, made on first use (hubspotClient). */
    private readonly client: () => Promise<Client>,
    private readonly shapes: RecordShapes,
    private readonly refusals: RefusalPolicy,
  ) {}

  run(ctx: RunContext): Promise<RunResult> {
    const park: OnRefusal = (change, err) => this.refusals.refused(change, err, ctx.logger);
    return runFeedPages(this.feed, this.refusals, this.config.pageSize, ctx, (changes) => this.deliver(changes, park, ctx.signal));
  }

  async resend(change: Change, signal: AbortSignal): Promise<void> {
    await this.deliver([change], (_c, err) => Promise.reject(err), signal);
  }

  /** The requests a change would make: its upsert and, for a contact with a company, the association. */
  async preview(change: Change): Promise<Record<string, unknown> | null> {
    const object = this.objectOf(change);
    if (object === undefined) return null;
    const pending = await this.pendingOf(change);
    const upsert = {
      method: 'POST',
      url: `${this.config.basePath}/crm/v3/objects/${object}/batch/upsert`,
      body: { inputs: [pending.input] },
    };
    if (object !== 'contacts' || pending.companyId === undefined) return { requests: [upsert] };
    const read = {
      method: 'POST',
      url: `${this.config.basePath}/crm/v3/objects/companies/batch/read`,
      body: { idProperty: this.config.idProperty, inputs: [{ id: pending.companyId }], properties: [this.config.idProperty] },
    };
    const associate = {
      method: 'POST',
      url: `${this.config.basePath}/crm/v4/associations/contacts/companies/batch/associate/default`,
      body: { inputs: [{ from: { id: '<contact id from the upsert>' }, to: { id: '<company id from the read>' } }] },
    };
    return { requests: [upsert, read, associate] };
  }

  /** Delivers one page; returns the changes HubSpot took. */
  private async deliver(changes: Change[], onRefusal: OnRefusal, signal: AbortSignal): Promise<number> {
    const byObject: Record<ObjectType, Map<string, Pending>> = { companies: new Map(), contacts: new Map() };
    for (const change of changes) {
      const object = this.objectOf(change);
      if (object === undefined || change.kind === 'deleted') continue;
      let pending: Pending;
      try {
        pending = await this.pendingOf(change);
      } catch (err) {
        if (!isAppError(err)) throw err;
        await onRefusal(change, err);
        continue;
      }
      merge(byObject[object], pending);
    }
    let taken = 0;
    for (const object of ['companies', 'contacts'] as const) {
      const all = [...byObject[object].values()];
      for (let i = 0; i < all.length; i += this.config.batchSize) {
        const pending = all.slice(i, i + this.config.batchSize);
        const ids = await this.upsert(object, pending, onRefusal, signal);
        const unlinked = object === 'contacts' ? await this.associate(pending, ids, onRefusal, signal) : new Set<Change>();
        for (const p of pending) {
          if (!ids.has(p.input.id)) continue;
          for (const c of p.changes) {
            if (unlinked.has(c)) continue;
            await this.refusals.delivered(c);
            taken += 1;
          }
        }
      }
    }
    return taken;
  }

  /** Upserts the inputs of one object type; parks the refused ones; returns AppDirect id → HubSpot id of the taken ones. */
  private async upsert(object: ObjectType, pending: Pending[], onRefusal: OnRefusal, signal: AbortSignal): Promise<Map<string, string>> {
    const inputs = pending.map((p) => p.input);
    const answer = await callHubspot(this.config.retry, signal, `${object} batch upsert`, async () =>
      (await this.client()).crm[object].batchApi.upsert({ inputs }),
    );
    if (answer.refusedWhole !== undefined) {
      // HubSpot refuses some batches as a whole for one bad input: each input alone tells which.
      if (pending.length === 1) {
        await this.refuse(pending[0] as Pending, answer.refusedWhole, onRefusal);
        return new Map();
      }
      const ids = new Map<string, string>();
      for (const p of pending) for (const [k, v] of await this.upsert(object, [p], onRefusal, signal)) ids.set(k, v);
      return ids;
    }
    const value = answer.value as { results: Array<{ id: string; properties: Record<string, string | null> }>; errors?: BatchError[] };
    const { taken, refused } = splitUpsertAnswer(inputs, this.config.idProperty, value.results, value.errors ?? []);
    for (const p of pending) {
      const message = refused.get(p.input.id);
      if (message !== undefined) await this.refuse(p, message, onRefusal);
    }
    return taken;
  }

  /**
   * Associates each taken contact that names a company with that company, found by its unique property. Returns
   * the changes parked because their company is not in HubSpot (the contact itself was taken).
   */
  private async associate(
    pending: Pending[],
    contactIds: Map<string, string>,
    onRefusal: OnRefusal,
    signal: AbortSignal,
  ): Promise<Set<Change>> {
    const unlinked = new Set<Change>();
    const linked = pending.filter((p) => p.companyId !== undefined && contactIds.has(p.input.id));
    if (linked.length === 0) return unlinked;
    const companyIds = [...new Set(linked.map((p) => p.companyId as string))];
    const read = await callHubspot(this.config.retry, signal, 'companies batch read', async () =>
      (await this.client()).crm.companies.batchApi.read({
        idProperty: this.config.idProperty,
        inputs: companyIds.map((id) => ({ id })),
        properties: [this.config.idProperty],
        propertiesWithHistory: [],
      }),
    );
    const found = new Map<string, string>();
    const results =
      (read.value as { results?: Array<{ id: string; properties: Record<string, string | null> }> } | undefined)?.results ?? [];
    for (const r of results) {
      const appdirectId = r.properties[this.config.idProperty];
      if (typeof appdirectId === 'string') found.set(appdirectId, r.id);
    }
    const inputs: Array<{ _from: { id: string }; to: { id: string } }> = [];
    for (const p of linked) {
      const company = found.get(p.companyId as string);
      if (company === undefined) {
        const message = `company ${p.companyId} is not in HubSpot (no company has ${this.config.idProperty} = ${p.companyId})`;
        await this.refuse({ ...p, changes: p.linking }, message, onRefusal);
        for (const c of p.linking) unlinked.add(c);
        continue;
      }
      inputs.push({ _from: { id: contactIds.get(p.input.id) as string }, to: { id: company } });
    }
    if (inputs.length === 0) return unlinked;
    const answer = await callHubspot(this.config.retry, signal, 'contact-company associations', async () =>
      (await this.client()).crm.associations.v4.batchApi.createDefault('contacts', 'companies', { inputs }),
    );
    if (answer.refusedWhole !== undefined)
      throw new AppError('CONNECTOR_DELIVERY_FAILED', `HubSpot refused the associations: ${answer.refusedWhole}`);
    return unlinked;
  }

  private async refuse(p: Pending, message: string, onRefusal: OnRefusal): Promise<void> {
    for (const change of p.changes) {
      const err = new AppError(
        'CONNECTOR_REFUSED',
        `HubSpot refused ${change.entity} ${change.key} (${p.input.idProperty} ${p.input.id}): ${message}`,
        {
          response: message,
        },
      );
      await onRefusal(change, err);
    }
  }

  private objectOf(change: Change): ObjectType | undefined {
    if (this.config.entities.length > 0 && !this.config.entities.includes(change.entity)) return undefined;
    return this.config.objects[change.entity];
  }

  /** The upsert input of a change, through its output mapping. */
  private async pendingOf(change: Change): Promise<Pending> {
    const data = await this.shapes.shape(change);
    const idProperty = this.config.idProperty;
    const id = data[idProperty];
    if (typeof id !== 'string' || id === '') {
      throw new AppError(
        'CONNECTOR_OUTPUT_MAPPING_FAILED',
        `${change.entity} ${change.key}: its output has no ${idProperty} to upsert by`,
        {
          response: `${idProperty} missing`,
        },
      );
    }
    const link = data[this.config.companyLinkField];
    const properties = toProperties(data, new Set([this.config.companyLinkField]));
    const linking = typeof link === 'string' && link !== '';
    return {
      input: { id, idProperty, properties },
      changes: [change],
      linking: linking ? [change] : [],
      ...(linking ? { companyId: link } : {}),
    };
  }
}

/** Two changes of one object in a page become one input (HubSpot refuses a batch with an id twice): later values win. */
function merge(into: Map<string, Pending>, next: Pending): void {
  const earlier = into.get(next.input.id);
  if (earlier === undefined) {
    into.set(next.input.id, next);
    return;
  }
  earlier.input.properties = { ...earlier.input.properties, ...next.input.properties };
  earlier.changes.push(...next.changes);
  earlier.linking.push(...next.linking);
  if (next.companyId !== undefined) earlier.companyId = next.companyId;
}
