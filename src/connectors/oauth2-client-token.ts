import { ClientCredentials, type AccessToken, type ModuleOptions } from 'simple-oauth2';
import { AppError } from '../core/app-error';
import { describeTokenError } from '../simulate/oauth2-token-source';

export interface Oauth2ClientTokenOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  clientAuth: 'header' | 'body';
  /** A cached token this close (seconds) to its expiry is replaced before it is used. */
  refreshMarginSeconds: number;
  timeoutMs: number;
}

/**
 * A downstream's OAuth2 access token by the client-credentials grant (simple-oauth2), cached and replaced shortly
 * before it expires. Client-credentials grants carry no refresh token, so "refresh" means asking for a new one.
 * @remarks One request at a time: concurrent callers share the token request in flight. `refused(token)` forgets a
 * token the downstream answered 401 to, but only if it is still the cached one, so a burst of 401s for the same
 * token fetches one new token, not one each.
 * @example const tokens = new Oauth2ClientToken({ tokenUrl, clientId, clientSecret, clientAuth: 'header', refreshMarginSeconds: 60, timeoutMs: 10_000 });
 * headers.authorization = `Bearer ${await tokens.get()}`;
 */
export class Oauth2ClientToken {
  private cached: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  private readonly grant: ClientCredentials;
  /** Token requests made so far: for logs and tests. */
  fetched = 0;

  constructor(private readonly options: Oauth2ClientTokenOptions) {
    const url = new URL(options.tokenUrl);
    const config: ModuleOptions = {
      client: { id: options.clientId, secret: options.clientSecret },
      auth: { tokenHost: url.origin, tokenPath: `${url.pathname}${url.search}` },
      options: { authorizationMethod: options.clientAuth },
      http: { timeout: options.timeoutMs },
    };
    this.grant = new ClientCredentials(config);
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

  /** The downstream refused `token` (401): the next get() asks for a new one, unless that already happened. */
  refused(token: string): void {
    if (this.cached && String(this.cached.token.access_token) === token) this.cached = undefined;
  }

  private async fetch(): Promise<AccessToken> {
    this.fetched += 1;
    try {
      return await this.grant.getToken(this.options.scope === undefined ? {} : { scope: this.options.scope });
    } catch (err) {
      // An endpoint that is down or busy may answer later; a refused client (4xx) will not.
      const status = (err as { output?: { statusCode?: number } }).output?.statusCode;
      const retryable = status === undefined || status >= 500 || status === 429;
      throw new AppError('CONNECTOR_AUTH_FAILED', `token request to ${this.options.tokenUrl} failed: ${describeTokenError(err)}`, { status, retryable });
    }
  }
}
