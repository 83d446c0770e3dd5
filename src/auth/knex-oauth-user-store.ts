import type { Knex } from 'knex';
import { asDate } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { DbOauthUserRow } from './oauth-rows';
import type { OauthUser, OauthUserStore } from './oauth-user-store';

/** OauthUserStore on knex: SQLite and PostgreSQL alike. */
export class KnexOauthUserStore implements OauthUserStore {
  constructor(private readonly db: Knex) {}

  async insert(user: OauthUser): Promise<void> {
    await this.db<DbOauthUserRow>('oauth_users').insert({
      source: user.source,
      username: user.username,
      password_hash: user.passwordHash,
      created_at: user.createdAt.toISOString(),
      revoked_at: user.revokedAt ? user.revokedAt.toISOString() : null,
    });
  }

  async find(source: string, username: string): Promise<OauthUser | undefined> {
    const row = await this.db<DbOauthUserRow>('oauth_users').where({ source, username }).first();
    return row ? toUser(row) : undefined;
  }

  async list(filter: { source?: string } = {}): Promise<OauthUser[]> {
    const query = this.db<DbOauthUserRow>('oauth_users').orderBy([{ column: 'source' }, { column: 'username' }]);
    if (filter.source !== undefined) query.where({ source: filter.source });
    return (await query).map(toUser);
  }

  async revoke(source: string, username: string, at: Date, trx?: Tx): Promise<boolean> {
    const n = await (trx ?? this.db)<DbOauthUserRow>('oauth_users')
      .where({ source, username })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString() });
    return n > 0;
  }

  async deleteRevoked(source: string, username: string): Promise<void> {
    await this.db<DbOauthUserRow>('oauth_users').where({ source, username }).whereNotNull('revoked_at').delete();
  }
}

function toUser(row: DbOauthUserRow): OauthUser {
  return {
    source: row.source,
    username: row.username,
    passwordHash: row.password_hash,
    createdAt: asDate(row.created_at),
    revokedAt: row.revoked_at === null ? null : asDate(row.revoked_at),
  };
}
