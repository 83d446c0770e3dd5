import { importPKCS8, SignJWT } from 'jose';
import type { Connection } from 'jsforce';
import type { SalesforceAuthConfig } from '../config/connector-schema';
import { AppError } from '../core/app-error';

/** What the session needs to know: where to log in, which API version, how. */
export interface SalesforceSessionOptions {
  loginUrl: string;
  apiVersion: string;
  auth: SalesforceAuthConfig;
}

/** The grant type of the JWT bearer flow (RFC 7523), as Salesforce's token endpoint names it. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * A jsforce Connection with an access token from the connected app, by the OAuth2 client-credentials flow or the
 * JWT bearer flow; the instance URL is the one the token response names. `renew()` asks for a new token (after a
 * 401 INVALID_SESSION_ID).
 * @remarks jsforce's own session refresh is left off (no `oauth2` on the Connection): it retries a 401 again after
 * every refresh, so a token the org keeps refusing would loop. The connector renews once per call (callSalesforce).
 * Token errors carry Salesforce's `error: error_description`, never the secret, the key or the assertion.
 * @example const session = new SalesforceSession({ loginUrl, apiVersion: '62.0', auth }); const conn = await session.connection();
 */
export class SalesforceSession {
  private current: Promise<Connection> | undefined;

  constructor(private readonly options: SalesforceSessionOptions) {}

  /** The connection of the current token, logging in first when there is none. */
  connection(): Promise<Connection> {
    this.current ??= this.login();
    // A failed login is not cached: the next call tries again.
    this.current.catch(() => (this.current = undefined));
    return this.current;
  }

  /** Drops the current token and logs in again; calls made meanwhile share the new login. */
  renew(stale: Connection): Promise<Connection> {
    if (this.current !== undefined) {
      const pending = this.current;
      return pending.then((conn) => (conn === stale ? this.replace() : conn));
    }
    return this.connection();
  }

  private replace(): Promise<Connection> {
    this.current = this.login();
    this.current.catch(() => (this.current = undefined));
    return this.current;
  }

  private async login(): Promise<Connection> {
    const { loginUrl, apiVersion, auth } = this.options;
    // Loaded on first use: jsforce adds ~30 MB to a process, and most services run no Salesforce connector (ADR 0039).
    const { Connection, OAuth2 } = await import('jsforce');
    let answer: { access_token: string; instance_url: string };
    try {
      if (auth.flow === 'client_credentials') {
        const oauth2 = new OAuth2({ loginUrl, clientId: auth.clientId, clientSecret: auth.clientSecret });
        answer = (await oauth2.requestToken({ grant_type: 'client_credentials' })) as typeof answer;
      } else {
        // No client id on the OAuth2 object: the JWT bearer request carries only grant_type and assertion.
        const oauth2 = new OAuth2({ loginUrl });
        answer = (await oauth2.requestToken({ grant_type: JWT_BEARER_GRANT, assertion: await this.assertion(auth) })) as typeof answer;
      }
    } catch (err) {
      const name = err instanceof Error ? err.name : 'error';
      const message = err instanceof Error ? err.message : String(err);
      // 4xx answers come back named after Salesforce's `error` (invalid_grant, invalid_client); network errors do not.
      const retryable = !/^(invalid_|unsupported_|unauthorized_)/.test(name);
      throw new AppError('CONNECTOR_AUTH_FAILED', `Salesforce token request (${auth.flow}) to ${loginUrl} failed: ${name}: ${message}`, {
        retryable,
      });
    }
    if (typeof answer.access_token !== 'string' || typeof answer.instance_url !== 'string') {
      throw new AppError('CONNECTOR_AUTH_FAILED', `Salesforce token response from ${loginUrl} has no access_token or instance_url`);
    }
    return new Connection({ instanceUrl: answer.instance_url, accessToken: answer.access_token, version: apiVersion });
  }

  /** The JWT bearer assertion: iss the consumer key, sub the user, aud the login URL, valid 3 minutes, RS256. */
  private async assertion(auth: Extract<SalesforceAuthConfig, { flow: 'jwt_bearer' }>): Promise<string> {
    let key: Awaited<ReturnType<typeof importPKCS8>>;
    try {
      key = await importPKCS8(auth.privateKey, 'RS256');
    } catch {
      throw new AppError('CONNECTOR_AUTH_FAILED', 'Salesforce JWT bearer flow: the private key is not a PEM PKCS#8 RSA key');
    }
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(auth.clientId)
      .setSubject(auth.username)
      .setAudience(auth.audience ?? this.options.loginUrl)
      .setExpirationTime('3m')
      .sign(key);
  }
}
