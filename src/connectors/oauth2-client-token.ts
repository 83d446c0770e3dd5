import type { AccessToken } from 'simple-oauth2';
import { AppError } from '../core/app-error';
import { describeTokenError, Oauth2TokenClient } from '../http-client/oauth2-token-client';

/** A downstream's client-credentials token settings (config `connectors.<name>.auth` with `type: oauth2`). */
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
 * A downstream's OAuth2 access token by the client-credentials grant, cached and shared (see Oauth2TokenClient);
 * a failed token request becomes CONNECTOR_AUTH_FAILED, retryable when the endpoint may answer later.
 * @example const tokens = new Oauth2ClientToken({ tokenUrl, clientId, clientSecret, clientAuth: 'header', refreshMarginSeconds: 60, timeoutMs: 10_000 });
 * headers.authorization = `Bearer ${await tokens.get()}`;
 */
export class Oauth2ClientToken extends Oauth2TokenClient {
  constructor(options: Oauth2ClientTokenOptions) {
    super({ ...options, grant: 'client_credentials' });
  }

  protected override async fetch(): Promise<AccessToken> {
    try {
      return await super.fetch();
    } catch (err) {
      // An endpoint that is down or busy may answer later; a refused client (4xx) will not.
      const status = (err as { output?: { statusCode?: number } }).output?.statusCode;
      const retryable = status === undefined || status >= 500 || status === 429;
      throw new AppError('CONNECTOR_AUTH_FAILED', `token request to ${this.options.tokenUrl} failed: ${describeTokenError(err)}`, {
        status,
        retryable,
      });
    }
  }
}
