import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake HubSpot got, its body parsed. */
export interface HubspotRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
}

/** An answer forced onto the next request (a 429, a 500), before the normal handling. */
export interface ForcedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface HubspotObject {
  id: string;
  properties: Record<string, string>;
  /** How many upserts wrote it: a replay that changes nothing still writes (HubSpot does too), but creates none. */
  writes: number;
}

export interface HubspotContractServer {
  url: string;
  requests: HubspotRequest[];
  objects: Record<'companies' | 'contacts', Map<string, HubspotObject>>;
  /** `contactId>companyId` pairs. */
  associations: Set<string>;
  forced: ForcedAnswer[];
  close(): Promise<void>;
}

export interface HubspotContractOptions {
  token: string;
  idProperty: string;
  /** HubSpot's message when it refuses an input, else undefined. */
  refuse?: (object: 'companies' | 'contacts', input: { id: string; properties: Record<string, string> }) => string | undefined;
}

const now = () => new Date().toISOString();

/**
 * A local stand-in for the HubSpot CRM API, implementing only what the connector calls, with the documented shapes
 * (developers.hubspot.com, CRM objects v3 batch and associations v4):
 * - POST /crm/v3/objects/{companies|contacts}/batch/upsert: at most 100 inputs, each `{ idProperty, id, properties }`;
 *   200 when all were taken, 207 with `errors[]` (`context.ids` names the inputs) when some were not; 400 for a batch
 *   with one id twice;
 * - POST /crm/v3/objects/companies/batch/read with `idProperty`: found ones in `results`, 207 with OBJECT_NOT_FOUND
 *   errors for the others;
 * - POST /crm/v4/associations/contacts/companies/batch/associate/default: `{ inputs: [{ from: { id }, to: { id } }] }`.
 * Every request needs `Authorization: Bearer <token>` (401 otherwise); `forced` answers (429 with its headers) go first.
 */
export async function startHubspotContractServer(options: HubspotContractOptions): Promise<HubspotContractServer> {
  const requests: HubspotRequest[] = [];
  const objects = { companies: new Map<string, HubspotObject>(), contacts: new Map<string, HubspotObject>() };
  const associations = new Set<string>();
  const forced: ForcedAnswer[] = [];
  let nextId = 1000;

  const handle = (method: string, path: string, headers: IncomingHttpHeaders, body: unknown): ForcedAnswer => {
    if (headers.authorization !== `Bearer ${options.token}`) {
      return {
        status: 401,
        body: { status: 'error', category: 'INVALID_AUTHENTICATION', message: 'Authentication credentials not found.' },
      };
    }
    const upsert = /^\/crm\/v3\/objects\/(companies|contacts)\/batch\/upsert$/.exec(path);
    if (method === 'POST' && upsert) return batchUpsert(upsert[1] as 'companies' | 'contacts', body);
    if (method === 'POST' && path === '/crm/v3/objects/companies/batch/read') return batchRead(body);
    if (method === 'POST' && path === '/crm/v4/associations/contacts/companies/batch/associate/default') return associate(body);
    return { status: 404, body: { status: 'error', category: 'OBJECT_NOT_FOUND', message: `no route ${method} ${path}` } };
  };

  const error = (message: string, ids: string[], category = 'VALIDATION_ERROR') => ({
    status: 'error',
    category,
    message,
    context: { ids },
    links: {},
    errors: [],
  });

  const batchUpsert = (object: 'companies' | 'contacts', body: unknown): ForcedAnswer => {
    const inputs = (body as { inputs?: Array<{ idProperty?: string; id?: string; properties?: Record<string, string> }> }).inputs ?? [];
    if (inputs.length > 100) return { status: 400, body: error('Batch size exceeds 100', []) };
    const ids = inputs.map((i) => i.id);
    if (new Set(ids).size !== ids.length) return { status: 400, body: error('Duplicate IDs found in batch input', []) };
    const results = [];
    const errors = [];
    for (const input of inputs) {
      if (input.idProperty !== options.idProperty || typeof input.id !== 'string') {
        errors.push(error(`Property ${String(input.idProperty)} is not a unique property`, [String(input.id)]));
        continue;
      }
      const properties = { ...(input.properties ?? {}), [options.idProperty]: input.id };
      const refusal = options.refuse?.(object, { id: input.id, properties });
      if (refusal !== undefined) {
        errors.push(error(refusal, [input.id]));
        continue;
      }
      const existing = objects[object].get(input.id);
      const stored = existing ?? { id: String(nextId++), properties: {}, writes: 0 };
      stored.properties = { ...stored.properties, ...properties };
      stored.writes += 1;
      objects[object].set(input.id, stored);
      results.push({ id: stored.id, properties: stored.properties, createdAt: now(), updatedAt: now(), archived: false, new: !existing });
    }
    const answer = { status: 'COMPLETE', results, startedAt: now(), completedAt: now() };
    return errors.length === 0 ? { status: 200, body: answer } : { status: 207, body: { ...answer, numErrors: errors.length, errors } };
  };

  const batchRead = (body: unknown): ForcedAnswer => {
    const { idProperty, inputs = [] } = body as { idProperty?: string; inputs?: Array<{ id: string }> };
    if (idProperty !== options.idProperty) return { status: 400, body: error(`unknown idProperty ${String(idProperty)}`, []) };
    const results = [];
    const missing = [];
    for (const { id } of inputs) {
      const found = objects.companies.get(id);
      if (found) results.push({ id: found.id, properties: found.properties, createdAt: now(), updatedAt: now(), archived: false });
      else missing.push(id);
    }
    const answer = { status: 'COMPLETE', results, startedAt: now(), completedAt: now() };
    if (missing.length === 0) return { status: 200, body: answer };
    return {
      status: 207,
      body: { ...answer, numErrors: 1, errors: [error('Could not get some COMPANY objects', missing, 'OBJECT_NOT_FOUND')] },
    };
  };

  const associate = (body: unknown): ForcedAnswer => {
    const inputs = (body as { inputs?: Array<{ from: { id: string }; to: { id: string } }> }).inputs ?? [];
    const results = [];
    for (const { from, to } of inputs) {
      associations.add(`${from.id}>${to.id}`);
      results.push({
        from: { id: from.id },
        to: { id: to.id },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
      });
    }
    return { status: 200, body: { status: 'COMPLETE', results, startedAt: now(), completedAt: now() } };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = text;
      }
      const path = (req.url ?? '').split('?')[0] as string;
      const answer = forced.shift() ?? handle(req.method ?? '', path, req.headers, body);
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    objects,
    associations,
    forced,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
