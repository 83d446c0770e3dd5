import { Oauth2TokenClient, type Oauth2TokenClientOptions } from '../http-client/oauth2-token-client';

/**
 * How `simulate` obtains its bearer token: the two OAuth2 modes AppDirect offers, with AppDirect's defaults for what
 * is left out (HTTP Basic client authentication, a 30 s timeout).
 */
export type Oauth2TokenSourceOptions = Omit<Oauth2TokenClientOptions, 'clientAuth' | 'refreshMarginSeconds' | 'timeoutMs'> &
  Partial<Pick<Oauth2TokenClientOptions, 'clientAuth' | 'timeoutMs'>>;

/** Seconds before `expires_in` at which a cached token is treated as expired. */
const EXPIRY_MARGIN_SECONDS = 30;

/**
 * Fetches an access token as AppDirect would and caches it until shortly before it expires or until the receiver
 * refuses it (`invalidate()`, after a 401): the shared Oauth2TokenClient with AppDirect's defaults.
 *
 * @example const tokens = new Oauth2TokenSource({ grant: 'client_credentials', tokenUrl, clientId, clientSecret });
 * const bearer = await tokens.get();
 */
export class Oauth2TokenSource extends Oauth2TokenClient {
  constructor(options: Oauth2TokenSourceOptions) {
    super({
      ...options,
      clientAuth: options.clientAuth ?? 'header',
      refreshMarginSeconds: EXPIRY_MARGIN_SECONDS,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  }
}
