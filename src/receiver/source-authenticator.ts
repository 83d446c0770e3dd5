import type { IncomingHttpHeaders } from 'node:http';

/** Who a delivery came from, as far as the source's auth mode can tell. Never holds a secret. */
export interface Principal {
  /** `token:<name>`, `oauth2:<client_id>`, `jwt:<sub>` or `anonymous`: stored with each delivery. */
  id: string;
}

/**
 * Checks the credential of one delivery for one source. One implementation per auth mode:
 * none, token, oauth2 (tokens this service minted) and jwt (tokens of the customer's identity provider).
 *
 * @remarks Runs before the body is read, so an unauthenticated sender cannot make the service read
 * a megabyte. Throws an AppError with a 401 code (or 400 for a malformed header) on failure.
 */
export interface SourceAuthenticator {
  readonly mode: 'none' | 'token' | 'oauth2' | 'jwt' | 'api-key';
  authenticate(source: string, headers: IncomingHttpHeaders): Promise<Principal>;
}

/** Mode `none`: every delivery is accepted as anonymous (refused by config in production). */
export class NoAuthenticator implements SourceAuthenticator {
  readonly mode = 'none' as const;

  async authenticate(): Promise<Principal> {
    return { id: 'anonymous' };
  }
}
