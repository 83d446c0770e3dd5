import { ClientCredentials, ResourceOwnerPassword, type AccessToken, type ModuleOptions } from 'simple-oauth2';

/** How `simulate` obtains its bearer token: the two OAuth2 modes AppDirect offers. */
export interface Oauth2TokenSourceOptions {
  grant: 'client_credentials' | 'password';
  /** The Access Token URI entered in AppDirect, e.g. https://sync.example.com/oauth/token. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  username?: string;
  password?: string;
  scope?: string;
  /** HTTP Basic (simple-oauth2's default, client_secret_basic) or body parameters (client_secret_post). */
  clientAuth?: 'header' | 'body';
  timeoutMs?: number;
}

/** Seconds before `expires_in` at which a cached token is treated as expired. */
const EXPIRY_MARGIN_SECONDS = 30;

/**
 * Fetches an access token as AppDirect would, with simple-oauth2, and caches it until shortly before it expires
 * or until the receiver refuses it (`invalidate()`, after a 401).
 *
 * @example const tokens = new Oauth2TokenSource({ grant: 'client_credentials', tokenUrl, clientId, clientSecret });
 * const bearer = await tokens.get();
 */
export class Oauth2TokenSource {
  private cached: AccessToken | undefined;
  /** The request in flight, shared so concurrent deliveries fetch one token, not one each. */
  private pending: Promise<AccessToken> | undefined;
  private readonly grant: ClientCredentials | ResourceOwnerPassword;

  constructor(private readonly options: Oauth2TokenSourceOptions) {
    const url = new URL(options.tokenUrl);
    const config: ModuleOptions = {
      client: { id: options.clientId, secret: options.clientSecret },
      auth: { tokenHost: url.origin, tokenPath: `${url.pathname}${url.search}` },
      options: { authorizationMethod: options.clientAuth ?? 'header' },
      http: { timeout: options.timeoutMs ?? 30_000 },
    };
    this.grant = options.grant === 'password' ? new ResourceOwnerPassword(config) : new ClientCredentials(config);
    if (options.grant === 'password' && (!options.username || options.password === undefined)) {
      throw new Error('the password grant needs a username and a password');
    }
  }

  /** A token that is not known to be expired; fetched when none is cached. */
  async get(): Promise<string> {
    if (!this.cached || this.cached.expired(EXPIRY_MARGIN_SECONDS)) {
      this.pending ??= this.fetch().finally(() => {
        this.pending = undefined;
      });
      this.cached = await this.pending;
    }
    return String(this.cached.token.access_token);
  }

  private fetch(): Promise<AccessToken> {
    const scope = this.options.scope;
    return this.grant instanceof ResourceOwnerPassword
      ? this.grant.getToken({ username: this.options.username ?? '', password: this.options.password ?? '', scope })
      : this.grant.getToken({ scope });
  }

  /** Forgets the cached token, so the next get() fetches a fresh one. */
  invalidate(): void {
    this.cached = undefined;
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
