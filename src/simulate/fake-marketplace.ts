import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { companyFromRest, membershipFromRest, userFromRest } from '../appdirect-api/rest-to-webhook';
import { seedMarketplace, type MarketplaceData, type SeedCounts } from './marketplace-seed';

export interface FakeMarketplaceOptions {
  clientId: string;
  clientSecret: string;
  /** `expires_in` of the tokens it issues (AppDirect's sample: 43199). */
  tokenTtlSeconds?: number;
  seed?: SeedCounts;
  /** Items to serve instead of a seed. */
  data?: MarketplaceData;
  /** The marketplace's clock, for its `Date` header (tests move it to separate two listings in time). */
  now?: () => number;
}

/** One answered request, for tests and the `simulate-marketplace` log. */
export interface ServedRequest {
  method: string;
  path: string;
  status: number;
}

type Handler = (params: string[], query: URLSearchParams) => { status: number; body?: unknown };

/**
 * A fake AppDirect marketplace on a real local HTTP server: the OAuth2 token endpoint (client_credentials, HTTP
 * Basic), the list and read endpoints of the REST reference in their three paging styles, the v1 read URLs webhooks
 * name in `resource.url`, and failures on demand (429 with Retry-After, 5xx, expired tokens). Tests use it, and
 * `appdirect-sync simulate-marketplace` serves it so a new user can try a backfill without a marketplace.
 * @example const market = await FakeMarketplace.start({ clientId: 'c', clientSecret: 's', seed: { companies: 3 } });
 * // appdirectApi: { baseUrl: market.url, clientId: 'c', clientSecret: 's' }
 */
export class FakeMarketplace {
  readonly served: ServedRequest[] = [];
  tokensIssued = 0;
  private readonly tokens = new Map<string, number>();
  private readonly failures: { status: number; retryAfter?: string }[] = [];
  private readonly routes: [RegExp, Handler][];
  private readonly onCall = new Map<number, () => void>();
  private apiCalls = 0;

  private constructor(
    private readonly server: Server,
    readonly data: MarketplaceData,
    private readonly options: FakeMarketplaceOptions,
  ) {
    this.routes = this.buildRoutes();
  }

  static async start(options: FakeMarketplaceOptions, port = 0, host = '127.0.0.1'): Promise<FakeMarketplace> {
    const data = options.data ?? seedMarketplace(options.seed ?? {}, Date.now());
    const server = createServer();
    const market = new FakeMarketplace(server, data, options);
    server.on('request', (req, res) => market.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return market;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The next `count` API calls (not token requests) answer `status`, with Retry-After when given. */
  failNext(count: number, status: number, retryAfterSeconds?: number): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, retryAfter: retryAfterSeconds?.toString() });
  }

  /**
   * When the `n`-th API call (token requests not counted, from the start) arrives, `action` runs before it is
   * answered: a failure at a set place in a listing, whatever the client has asked for ahead.
   * @example market.atApiCall(3, () => market.failNext(1, 403)); // the third call is refused
   */
  atApiCall(n: number, action: () => void): void {
    this.onCall.set(n, action);
  }

  /** Every token issued so far is expired: the next call with one gets 401. */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  /** API calls served for paths starting with `prefix`. */
  calls(prefix: string): ServedRequest[] {
    return this.served.filter((r) => r.path.startsWith(prefix));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      this.served.push({ method: req.method ?? 'GET', path: url.pathname, status });
      const date = new Date(this.options.now?.() ?? Date.now()).toUTCString();
      res.writeHead(status, { date, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.token(req, Buffer.concat(chunks).toString('utf8'), send));
      return;
    }
    if (req.method !== 'GET') return send(405, { code: '405', message: 'Method not allowed' });
    this.onCall.get(++this.apiCalls)?.();
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = bearer === undefined ? undefined : this.tokens.get(bearer);
    if (expiresAt === undefined || expiresAt <= Date.now()) return send(401, { code: '401', message: 'Token not found' });
    const failure = this.failures.shift();
    if (failure)
      return send(
        failure.status,
        { code: String(failure.status), message: 'Injected failure' },
        failure.retryAfter ? { 'retry-after': failure.retryAfter } : {},
      );
    for (const [pattern, handler] of this.routes) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      const { status, body } = handler(match.slice(1).map(decodeURIComponent), url.searchParams);
      return send(status, body);
    }
    send(404, { code: '404', message: 'Not found' });
  }

  private token(req: IncomingMessage, form: string, send: (status: number, body?: unknown) => void): void {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const grant = new URLSearchParams(form).get('grant_type');
    if (grant !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' });
    if (id !== this.options.clientId || !sameText(decodeURIComponent(secret ?? ''), this.options.clientSecret)) {
      return send(401, { error: 'invalid_client' });
    }
    const ttl = this.options.tokenTtlSeconds ?? 43_199;
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, Date.now() + ttl * 1000);
    this.tokensIssued += 1;
    send(200, {
      access_token: token,
      token_type: 'bearer',
      expires_in: ttl,
      scope: new URLSearchParams(form).get('scope') ?? 'ROLE_PARTNER_READ',
    });
  }

  private buildRoutes(): [RegExp, Handler][] {
    const d = this.data;
    const byKey = (items: Record<string, unknown>[], key: string) => (id: string) => items.find((i) => String(i[key]) === id);
    const read = (found: unknown, what: string) =>
      found ? { status: 200, body: found } : { status: 404, body: { code: '404', message: `${what} not found` } };
    const company = byKey(d.companies, 'uuid');
    const user = byKey(d.users, 'uuid');
    const membership = (c: string, u: string) => d.memberships.get(c)?.find((m) => (m.user as Record<string, unknown>).uuid === u);
    return [
      [/^\/api\/account\/v2\/companies$/, (_, q) => springPage(d.companies, q, 50)],
      [/^\/api\/account\/v2\/companies\/([^/]+)$/, ([id]) => read(company(id ?? ''), 'Company')],
      [/^\/api\/account\/v1\/companies\/([^/]+)$/, ([id]) => read(mapped(company(id ?? ''), companyFromRest), 'Company')],
      [/^\/api\/account\/v2\/companies\/([^/]+)\/memberships$/, ([c], q) => springPage(d.memberships.get(c ?? '') ?? [], q, 50)],
      [
        /^\/api\/account\/v2\/companies\/([^/]+)\/memberships\/([^/]+)$/,
        ([c, u]) => read(membership(c ?? '', u ?? ''), 'Company/User/Membership'),
      ],
      [
        /^\/api\/account\/v1\/companies\/([^/]+)\/users\/([^/]+)$/,
        ([c, u]) => read(mapped(membership(c ?? '', u ?? ''), membershipFromRest), 'Company/User/Membership'),
      ],
      [/^\/api\/account\/v2\/users$/, (_, q) => springPage(modifiedSince(d.users, q), q, 50)],
      [/^\/api\/account\/v2\/users\/([^/]+)$/, ([id]) => read(user(id ?? ''), 'User')],
      [/^\/api\/account\/v1\/users\/([^/]+)$/, ([id]) => read(mapped(user(id ?? ''), userFromRest), 'User')],
      [/^\/api\/billing\/v1\/subscriptions$/, (_, q) => offsetPage(modifiedSince(d.subscriptions, q), q)],
      [/^\/api\/billing\/v1\/subscriptions\/([^/]+)$/, ([id]) => read(byKey(d.subscriptions, 'id')(id ?? ''), 'Subscription')],
      [/^\/api\/billing\/v1\/orders$/, (_, q) => ordersPage(d.orders, q)],
      [/^\/api\/billing\/v1\/orders\/([^/]+)$/, ([id]) => read(byKey(d.orders, 'id')(id ?? ''), 'Order')],
      [/^\/api\/billing\/v1\/invoices$/, (_, q) => offsetPage(d.invoices, q, true)],
      [/^\/api\/billing\/v1\/invoices\/([^/]+)$/, ([id]) => read(byKey(d.invoices, 'invoiceId')(id ?? ''), 'Invoice')],
      [/^\/api\/channel\/v1\/applications$/, (_, q) => springPage(d.products, q, 20)],
      [/^\/api\/marketplace\/v1\/products\/([^/]+)$/, ([id]) => read(byKey(d.products, 'id')(id ?? ''), 'Product')],
    ];
  }
}

function mapped(item: Record<string, unknown> | undefined, adapt: (i: Record<string, unknown>) => Record<string, unknown>) {
  return item === undefined ? undefined : adapt(item);
}

/** `lastModified` (epoch ms): items modified on or after it, as the subscriptions list documents. */
function modifiedSince(items: Record<string, unknown>[], q: URLSearchParams): Record<string, unknown>[] {
  const since = q.get('lastModified');
  if (since === null) return items;
  return items.filter((i) => Number(i.lastModified ?? 0) >= Number(since));
}

/** Spring pages: `page` (0-based) and `size` → `{links, content, page{size,totalElements,totalPages,number}}`. */
function springPage(items: Record<string, unknown>[], q: URLSearchParams, defaultSize: number) {
  const size = Number(q.get('size') ?? defaultSize);
  const number = Number(q.get('page') ?? 0);
  const content = items.slice(number * size, (number + 1) * size);
  const totalPages = Math.ceil(items.length / size);
  const links = number + 1 < totalPages ? [{ rel: 'next', href: `?page=${number + 1}&size=${size}` }] : [];
  return { status: 200, body: { links, content, page: { size, totalElements: items.length, totalPages, number } } };
}

/** Billing lists: `start` and `count` (default 250) → a bare array; the invoice list answers 204 when empty. */
function offsetPage(items: Record<string, unknown>[], q: URLSearchParams, noContentWhenEmpty = false) {
  const start = Number(q.get('start') ?? 0);
  const count = Number(q.get('count') ?? 250);
  const page = items.slice(start, start + count);
  return page.length === 0 && noContentWhenEmpty ? { status: 204 } : { status: 200, body: page };
}

/** The orders list: `page` and `size` (default 50) → `{orders, total}`; `page` is taken as a page number. */
function ordersPage(items: Record<string, unknown>[], q: URLSearchParams) {
  const size = Number(q.get('size') ?? 50);
  const page = Number(q.get('page') ?? 0);
  return { status: 200, body: { orders: items.slice(page * size, (page + 1) * size), total: items.length } };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
