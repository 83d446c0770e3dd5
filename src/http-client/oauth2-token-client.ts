import { ClientCredentials, ResourceOwnerPassword, type AccessToken, type ModuleOptions } from 'simple-oauth2';

/** How to ask an OAuth2 token endpoint for an access token. */
export interface Oauth2TokenClientOptions {
  grant: 'client_credentials' | 'password';
  /** The token endpoint, e.g. https://sync.example.com/oauth/token. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The password grant's resource owner. */
  username?: string;
  password?: string;
  scope?: string;
  /** HTTP Basic (client_secret_basic) or body parameters (client_secret_post). */
  clientAuth: 'header' | 'body';
  /** A cached token this close (seconds) to its expiry is replaced before it is used. */
  refreshMarginSeconds: number;
  timeoutMs: number;
}

/**
 * An OAuth2 access token from a token endpoint (simple-oauth2), cached and replaced shortly before it expires;
 * the one client behind the connectors' downstream tokens and the simulator's AppDirect-like requests.
 * @remarks One request at a time: concurrent callers share the token request in flight. `refused(token)` forgets a
 * token the other side answered 401 to, but only if it is still the cached one, so a burst of 401s for the same
 * token fetches one new token, not one each. Client-credentials grants carry no refresh token, so "refresh" means
 * asking for a new one.
 * @example const tokens = new Oauth2TokenClient({ grant: 'client_credentials', tokenUrl, clientId, clientSecret, clientAuth: 'header', refreshMarginSeconds: 60, timeoutMs: 10_000 });
 * headers.authorization = `Bearer ${await tokens.get()}`;
 */
export class Oauth2TokenClient {
  private cached: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  private readonly grant: ClientCredentials | ResourceOwnerPassword;
  /** Token requests made so far: for logs and tests. */
  fetched = 0;

  constructor(protected readonly options: Oauth2TokenClientOptions) {
    if (options.grant === 'password' && (!options.username || options.password === undefined)) {
      throw new Error('the password grant needs a username and a password');
    }
    const url = new URL(options.tokenUrl);
    const config: ModuleOptions = {
      client: { id: options.clientId, secret: options.clientSecret },
      auth: { tokenHost: url.origin, tokenPath: `${url.pathname}${url.search}` },
      options: { authorizationMethod: options.clientAuth },
      http: { timeout: options.timeoutMs },
    };
    this.grant = options.grant === 'password' ? new ResourceOwnerPassword(config) : new ClientCredentials(config);
  }

  /** A token that is not within the margin of its expiry; requested when there is none. */
  async get(): Promise<string> {
    if (!this.cached || this.cached.expired(this.options.refreshMarginSeconds)) {
      this.pending ??= this.fetch().finally(() => {
        this.pending = undefined;
      });
      this.cached = await this.pending;
    }
    return String(this.cached.token.access_token);
  }

  /** The other side refused `token` (401): the next get() asks for a new one, unless that already happened. */
  refused(token: string): void {
    if (this.cached && String(this.cached.token.access_token) === token) this.cached = undefined;
  }

  /** Forgets the cached token, whichever it is, so the next get() asks for a new one. */
  invalidate(): void {
    this.cached = undefined;
  }

  /** One token request; subclasses translate its errors. */
  protected fetch(): Promise<AccessToken> {
    this.fetched += 1;
    const scope = this.options.scope;
    const params = scope === undefined ? {} : { scope };
    return this.grant instanceof ResourceOwnerPassword
      ? this.grant.getToken({ username: this.options.username ?? '', password: this.options.password ?? '', ...params })
      : this.grant.getToken(params);
  }
}

/**
 * A short, secret-free description of a failed token request: the HTTP status and the RFC 6749 error
 * code when the endpoint answered, else the network error's message.
 */
export function describeTokenError(err: unknown): string {
  const e = err as { output?: { statusCode?: number }; data?: { payload?: unknown }; code?: string; message?: string };
  const status = e.output?.statusCode;
  if (status === undefined) return e.code ?? e.message ?? 'unknown error';
  let payload = e.data?.payload;
  if (Buffer.isBuffer(payload)) {
    try {
      payload = JSON.parse(payload.toString('utf8'));
    } catch {
      payload = undefined;
    }
  }
  const code = (payload as { error?: unknown } | undefined)?.error;
  return typeof code === 'string' ? `${status} ${code}` : String(status);
}
