import { Oauth2TokenClient } from '../http-client/oauth2-token-client';

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
