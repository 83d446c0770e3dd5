import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import { withTransaction } from '../db/transaction';
import type { OauthClient, OauthClientStore } from './oauth-client-store';
import type { OauthTokenStore } from './oauth-token-store';
import type { OauthUserStore } from './oauth-user-store';
import { verifySecret } from './secret-hash';

/** The one scope this service grants: posting webhooks to the client's source. */
export const WEBHOOK_SCOPE = 'webhooks';

/** A token request once the HTTP layer has parsed the form and the client credentials. */
export interface TokenRequest {
  grantType: string;
  clientId: string;
  clientSecret: string;
  username?: string;
  password?: string;
  scope?: string;
}

/** The successful answer of the token endpoint (RFC 6749 section 5.1). */
export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface OauthTokenServiceDeps {
  /** The database the mint's transaction runs on. */
  db: Knex;
  clients: OauthClientStore;
  users: OauthUserStore;
  tokens: OauthTokenStore;
  clock: Clock;
  tokenTtlSeconds: number;
  /** True when the source is configured with auth mode oauth2 now; config can change after a client was issued. */
  isOauth2Source: (source: string) => boolean;
}

/**
 * The grants of the token endpoint: `client_credentials` and `password` (resource owner password).
 * Authenticates the client, then the user for the password grant, then mints an opaque access token.
 *
 * @remarks The token is 32 random bytes (base64url) handed out once; only its SHA-256 is stored, with
 * the client's source, so it is valid for deliveries to that source only and can be revoked.
 */
export class OauthTokenService {
  constructor(private readonly deps: OauthTokenServiceDeps) {}

  async issue(req: TokenRequest): Promise<IssuedToken> {
    const client = await this.authenticateClient(req.clientId, req.clientSecret);
    if (!this.deps.isOauth2Source(client.source)) {
      throw new AppError('OAUTH_UNAUTHORIZED_CLIENT', 'the source of this client is not configured with auth mode oauth2');
    }
    const scope = grantedScope(req.scope);
    if (req.grantType !== 'password' && req.grantType !== 'client_credentials') {
      throw new AppError('OAUTH_UNSUPPORTED_GRANT_TYPE', 'grant_type must be client_credentials or password');
    }
    if (!client.grants.includes(req.grantType)) {
      throw new AppError('OAUTH_UNAUTHORIZED_CLIENT', `this client may not use the ${req.grantType} grant (see clients add --grants)`);
    }
    const username = req.grantType === 'password' ? await this.authenticateUser(client, req.username, req.password) : null;
    return this.mint(client, username, scope);
  }

  private async authenticateClient(clientId: string, secret: string): Promise<OauthClient> {
    const client = await this.deps.clients.find(clientId);
    const live = client !== undefined && client.revokedAt === null;
    // The hash is checked even for an unknown or revoked client, so the answer takes as long either way.
    const ok = await verifySecret(secret, live ? client.secretHash : undefined);
    if (!ok || !live) throw new AppError('OAUTH_INVALID_CLIENT', 'client authentication failed');
    return client;
  }

  private async authenticateUser(client: OauthClient, username?: string, password?: string): Promise<string> {
    if (!username || password === undefined) {
      throw new AppError('OAUTH_INVALID_REQUEST', 'the password grant needs username and password');
    }
    const user = await this.deps.users.find(client.source, username);
    const live = user !== undefined && user.revokedAt === null;
    const ok = await verifySecret(password, live ? user.passwordHash : undefined);
    if (!ok || !live) throw new AppError('OAUTH_INVALID_GRANT', 'the username or password is not valid');
    return username;
  }

  private async mint(client: OauthClient, username: string | null, scope: string): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const now = this.deps.clock.now();
    // The client (and user) were read before the slow scrypt check; a revoke may have committed since. The insert
    // re-checks both in one transaction with it, so no token is handed out for a client revoked before it was stored.
    const stored = await withTransaction(this.deps.db, (trx) =>
      this.deps.tokens.insertIfLive(trx, {
        tokenSha256: tokenDigest(token),
        clientId: client.clientId,
        source: client.source,
        username,
        scope,
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.deps.tokenTtlSeconds * 1000),
        revokedAt: null,
      }),
    );
    if (!stored) throw new AppError('OAUTH_INVALID_CLIENT', 'client authentication failed');
    return { access_token: token, token_type: 'Bearer', expires_in: this.deps.tokenTtlSeconds, scope };
  }
}

/** Hex SHA-256 of an access token: the key of oauth_tokens. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function grantedScope(requested: string | undefined): string {
  if (requested === undefined || requested.trim() === '') return WEBHOOK_SCOPE;
  const items = requested.split(' ').filter((s) => s !== '');
  if (items.some((s) => s !== WEBHOOK_SCOPE)) {
    throw new AppError('OAUTH_INVALID_SCOPE', `the only scope this service grants is "${WEBHOOK_SCOPE}"`);
  }
  return WEBHOOK_SCOPE;
}
