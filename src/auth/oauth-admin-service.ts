import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../config/config-schema';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import { withTransaction } from '../db/transaction';
import type { OauthClient, OauthClientStore, OauthGrant } from './oauth-client-store';
import type { OauthTokenStore } from './oauth-token-store';
import type { OauthUser, OauthUserStore } from './oauth-user-store';
import { hashSecret } from './secret-hash';

export interface OauthAdminDeps {
  /** The database the revocations' transactions run on. */
  db: Knex;
  clients: OauthClientStore;
  users: OauthUserStore;
  tokens: OauthTokenStore;
  clock: Clock;
  sources: Config['sources'];
}

/** What a new client or user is shown once: the only moment the secret exists outside AppDirect. */
export interface IssuedClient {
  clientId: string;
  clientSecret: string;
  source: string;
  grants: OauthGrant[];
}

/**
 * Issues and revokes the OAuth2 clients and users that a marketplace manager enters in AppDirect.
 * Used by the CLI; secrets are generated here, returned once and stored only as scrypt hashes.
 *
 * @remarks Revoking a client or user also revokes every token issued to it, so the next delivery
 * with such a token is refused at once, not when the token expires.
 */
export class OauthAdminService {
  constructor(private readonly deps: OauthAdminDeps) {}

  /**
   * Issues a client allowed the given grants: `client_credentials` unless asked otherwise, so a client meant for
   * the password grant cannot mint tokens without a user once its users are revoked.
   */
  async addClient(source: string, description?: string, grants: OauthGrant[] = ['client_credentials']): Promise<IssuedClient> {
    if (grants.length === 0) throw new AppError('AUTH_BAD_GRANTS', 'give at least one grant: client_credentials, password');
    this.requireOauth2(source);
    const clientId = `adsync-${randomBytes(12).toString('base64url')}`;
    const clientSecret = randomBytes(32).toString('base64url');
    await this.deps.clients.insert({
      clientId,
      source,
      secretHash: await hashSecret(clientSecret),
      description: description ?? null,
      createdAt: this.deps.clock.now(),
      revokedAt: null,
      grants: [...new Set(grants)],
    });
    return { clientId, clientSecret, source, grants: [...new Set(grants)] };
  }

  async listClients(source?: string): Promise<OauthClient[]> {
    if (source !== undefined) this.requireOauth2(source);
    return this.deps.clients.list({ source });
  }

  /** Revokes the client and its tokens; returns how many tokens were revoked. */
  async revokeClient(clientId: string): Promise<number> {
    const client = await this.deps.clients.find(clientId);
    if (!client) throw new AppError('AUTH_CLIENT_NOT_FOUND', `no client ${clientId}`);
    // One transaction: a verifier never sees the client revoked with some of its tokens still live, and a token
    // minted concurrently is either revoked here or refused by the mint's own check (OauthTokenStore.insertIfLive).
    const now = this.deps.clock.now();
    return withTransaction(this.deps.db, async (trx) =>
      (await this.deps.clients.revoke(clientId, now, trx)) ? this.deps.tokens.revokeByClient(clientId, now, trx) : 0,
    );
  }

  /** Adds a password-grant user; generates a password unless one is given. Returns the password once. */
  async addUser(source: string, username: string, password?: string): Promise<{ username: string; password: string }> {
    this.requireOauth2(source);
    const existing = await this.deps.users.find(source, username);
    if (existing && existing.revokedAt === null) {
      throw new AppError('AUTH_USER_EXISTS', `user ${username} already exists for source ${source}`);
    }
    if (existing) await this.deps.users.deleteRevoked(source, username);
    const secret = password ?? randomBytes(24).toString('base64url');
    await this.deps.users.insert({
      source,
      username,
      passwordHash: await hashSecret(secret),
      createdAt: this.deps.clock.now(),
      revokedAt: null,
    });
    return { username, password: secret };
  }

  async listUsers(source?: string): Promise<OauthUser[]> {
    if (source !== undefined) this.requireOauth2(source);
    return this.deps.users.list({ source });
  }

  /** Revokes the user and the tokens issued for it; returns how many tokens were revoked. */
  async revokeUser(source: string, username: string): Promise<number> {
    const now = this.deps.clock.now();
    // One transaction for the user and its tokens, as for a client.
    const revoked = await withTransaction(this.deps.db, async (trx) =>
      (await this.deps.users.revoke(source, username, now, trx)) ? this.deps.tokens.revokeByUser(source, username, now, trx) : undefined,
    );
    if (revoked === undefined) throw new AppError('AUTH_USER_NOT_FOUND', `no active user ${username} for source ${source}`);
    return revoked;
  }

  private requireOauth2(source: string): void {
    if (this.deps.sources[source]?.auth.mode !== 'oauth2') {
      throw new AppError('AUTH_SOURCE_NOT_OAUTH2', `source ${source} is not configured with auth mode oauth2`);
    }
  }
}
