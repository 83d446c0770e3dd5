import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { startBulkJobs, type BulkJobs } from './salesforce-contract-bulk';
import { SalesforceOrg, type SalesforceRefusal } from './salesforce-contract-org';

export type { SalesforceRefusal, StoredRecord } from './salesforce-contract-org';

/** One request the fake Salesforce got: its body parsed (JSON, form or CSV text). */
export interface SalesforceRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
}

/** An answer forced onto the next REST request (a 403 REQUEST_LIMIT_EXCEEDED, a 503), before the normal handling. */
export interface ForcedAnswer {
  status: number;
  body: unknown;
}

export interface SalesforceContractOptions {
  /** The connected app: client credentials (clientSecret) and, for the JWT bearer flow, the certificate's public key (SPKI PEM) and user. */
  clientId: string;
  clientSecret?: string;
  publicKey?: string;
  username?: string;
  externalIdField: string;
  /** Salesforce's error for a record it refuses (a validation rule, a missing field), else undefined. */
  refuse?: (object: string, record: Record<string, unknown>) => SalesforceRefusal | undefined;
  /** Bulk jobs leave these records unprocessed (as a job aborted part way would). */
  unprocessed?: (object: string, externalId: string) => boolean;
}

export interface SalesforceContractServer {
  url: string;
  requests: SalesforceRequest[];
  org: SalesforceOrg;
  forced: ForcedAnswer[];
  bulk: BulkJobs;
  /** Tokens issued so far (each login makes one). */
  tokens: string[];
  /** Every issued session expires: the next REST call answers 401 INVALID_SESSION_ID. */
  expireSessions(): void;
  close(): Promise<void>;
}

const API = /^\/services\/data\/v(\d+\.0)(\/.*)$/;

/**
 * A local stand-in for Salesforce (login and instance on one port), implementing only what the connector calls,
 * with the documented shapes (developer.salesforce.com, REST API and Bulk API 2.0 guides):
 * - POST /services/oauth2/token, form-encoded: `grant_type=client_credentials` with client_id and client_secret, or
 *   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an RS256 `assertion` (iss the consumer key, sub the
 *   user, aud this server's URL, exp); answers `{ access_token, instance_url, id, token_type, issued_at, signature }`,
 *   or 400 `{ error, error_description }`;
 * - PATCH /services/data/vXX.X/composite/sobjects/{SObject}/{ExternalIdField}: `{ allOrNone, records }` of at most
 *   200, each with `attributes.type`; 200 with one `{ id, success, errors, created }` per record (see SalesforceOrg);
 * - Bulk API 2.0 ingest jobs (see salesforce-contract-bulk.ts).
 * REST calls need `Authorization: Bearer <a live token>`, else 401 `[{ errorCode: INVALID_SESSION_ID }]`; `forced`
 * answers go first.
 */
export async function startSalesforceContractServer(options: SalesforceContractOptions): Promise<SalesforceContractServer> {
  const requests: SalesforceRequest[] = [];
  const forced: ForcedAnswer[] = [];
  const tokens: string[] = [];
  const live = new Set<string>();
  const org = new SalesforceOrg(options.externalIdField, options.refuse);
  const bulk = startBulkJobs(org, options.unprocessed);
  let url = '';
  const publicKey = options.publicKey ? await importSPKI(options.publicKey, 'RS256') : undefined;

  const issue = () => {
    const token = `00D000000000001!${randomBytes(24).toString('base64url')}`;
    tokens.push(token);
    live.add(token);
    const id = `${url}/id/00D000000000001AAA/005000000000001AAA`;
    return {
      status: 200,
      body: { access_token: token, instance_url: url, id, token_type: 'Bearer', issued_at: String(Date.now()), signature: 'c2lnbmF0dXJl' },
    };
  };
  const tokenError = (error: string, description: string) => ({ status: 400, body: { error, error_description: description } });

  const token = async (form: URLSearchParams): Promise<ForcedAnswer> => {
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      if (
        form.get('client_id') !== options.clientId ||
        options.clientSecret === undefined ||
        form.get('client_secret') !== options.clientSecret
      )
        return tokenError('invalid_client', 'invalid client credentials');
      return issue();
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      if (!publicKey) return tokenError('invalid_grant', 'no certificate for this connected app');
      try {
        await jwtVerify(form.get('assertion') ?? '', publicKey, {
          issuer: options.clientId,
          audience: url,
          subject: options.username,
          requiredClaims: ['exp'],
        });
      } catch {
        return tokenError('invalid_grant', 'invalid assertion');
      }
      return issue();
    }
    return tokenError('unsupported_grant_type', 'grant type not supported');
  };

  const rest = (method: string, path: string, headers: IncomingHttpHeaders, body: unknown): ForcedAnswer => {
    const auth = headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !live.has(auth.slice('Bearer '.length)))
      return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    const forcedAnswer = forced.shift();
    if (forcedAnswer) return forcedAnswer;
    const [, version, rest] = API.exec(path) as RegExpExecArray;
    const collection = /^\/composite\/sobjects\/(\w+)\/(\w+)$/.exec(rest as string);
    if (method === 'PATCH' && collection) return org.upsertCollection(collection[1] as string, collection[2] as string, body);
    if ((rest as string).startsWith('/jobs/ingest'))
      return bulk.handle(method, (rest as string).slice('/jobs/ingest'.length), body, version as string);
    return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: `The requested resource does not exist: ${method} ${path}` }] };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const type = req.headers['content-type'] ?? '';
        const path = (req.url ?? '').split('?')[0] as string;
        let body: unknown = text;
        if (type.includes('json') && text !== '') body = JSON.parse(text) as unknown;
        if (type.includes('x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(text));
        let answer: ForcedAnswer & { csv?: boolean };
        if (req.method === 'POST' && path === '/services/oauth2/token') answer = await token(new URLSearchParams(text));
        else if (API.test(path)) answer = rest(req.method ?? '', path, req.headers, body);
        else answer = { status: 404, body: [{ errorCode: 'NOT_FOUND', message: `no route ${path}` }] };
        requests.push({ method: req.method ?? '', path, headers: req.headers, body, status: answer.status });
        if (answer.status === 201 && answer.body === '') res.writeHead(201).end();
        else if (typeof answer.body === 'string') res.writeHead(answer.status, { 'content-type': 'text/csv' }).end(answer.body);
        else res.writeHead(answer.status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(answer.body));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    org,
    forced,
    bulk,
    tokens,
    expireSessions: () => live.clear(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
