import type { Knex } from 'knex';
import { asDate, type DbOauthTokenRow } from '../db/rows';
import type { OauthToken, OauthTokenStore } from './oauth-token-store';

/** OauthTokenStore on knex: SQLite and PostgreSQL alike. */
export class KnexOauthTokenStore implements OauthTokenStore {
  constructor(private readonly db: Knex) {}

  async insert(token: OauthToken): Promise<void> {
    await this.db<DbOauthTokenRow>('oauth_tokens').insert({
      token_sha256: token.tokenSha256,
      client_id: token.clientId,
      source: token.source,
      username: token.username,
      scope: token.scope,
      expires_at: token.expiresAt.toISOString(),
      created_at: token.createdAt.toISOString(),
      revoked_at: token.revokedAt ? token.revokedAt.toISOString() : null,
    });
  }

  async find(tokenSha256: string): Promise<OauthToken | undefined> {
    const row = await this.db<DbOauthTokenRow>('oauth_tokens').where({ token_sha256: tokenSha256 }).first();
    return row ? toToken(row) : undefined;
  }

  async revokeByClient(clientId: string, at: Date): Promise<number> {
    return this.db<DbOauthTokenRow>('oauth_tokens')
      .where({ client_id: clientId })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString() });
  }

  async revokeByUser(source: string, username: string, at: Date): Promise<number> {
    return this.db<DbOauthTokenRow>('oauth_tokens')
      .where({ source, username })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString() });
  }
}

function toToken(row: DbOauthTokenRow): OauthToken {
  return {
    tokenSha256: row.token_sha256,
    clientId: row.client_id,
    source: row.source,
    username: row.username,
    scope: row.scope,
    expiresAt: asDate(row.expires_at),
    createdAt: asDate(row.created_at),
    revokedAt: row.revoked_at === null ? null : asDate(row.revoked_at),
  };
}
