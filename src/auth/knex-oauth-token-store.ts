import type { Knex } from 'knex';
import { asDate } from '../db/column-values';
import { forShare } from '../db/share-lock';
import type { Tx } from '../db/transaction';
import type { DbOauthTokenRow } from './oauth-rows';
import type { OauthToken, OauthTokenStore } from './oauth-token-store';

/** OauthTokenStore on knex: SQLite and PostgreSQL alike. */
export class KnexOauthTokenStore implements OauthTokenStore {
  constructor(private readonly db: Knex) {}

  async insert(token: OauthToken): Promise<void> {
    await this.db<DbOauthTokenRow>('oauth_tokens').insert(toRow(token));
  }

  async insertIfLive(trx: Tx, token: OauthToken): Promise<boolean> {
    // FOR SHARE (PostgreSQL): a concurrent revoke waits for this insert to commit, and its token update, run
    // after, then sees the new token. SQLite runs one write transaction at a time, which gives the same order.
    const client = await forShare(
      this.db,
      trx('oauth_clients').where({ client_id: token.clientId }).whereNull('revoked_at').first('client_id'),
    );
    if (!client) return false;
    if (token.username !== null) {
      const userQuery = trx('oauth_users').where({ source: token.source, username: token.username }).whereNull('revoked_at').first('id');
      if (!(await forShare(this.db, userQuery))) return false;
    }
    await trx<DbOauthTokenRow>('oauth_tokens').insert(toRow(token));
    return true;
  }

  async findLive(tokenSha256: string): Promise<OauthToken | undefined> {
    const row = (await this.db('oauth_tokens as t')
      .join('oauth_clients as c', 'c.client_id', 't.client_id')
      .leftJoin('oauth_users as u', function () {
        this.on('u.source', '=', 't.source').andOn('u.username', '=', 't.username');
      })
      .where('t.token_sha256', tokenSha256)
      .whereNull('t.revoked_at')
      .whereNull('c.revoked_at')
      .where((q) => q.whereNull('t.username').orWhere((u) => u.whereNotNull('u.id').whereNull('u.revoked_at')))
      .first('t.*')) as DbOauthTokenRow | undefined;
    return row ? toToken(row) : undefined;
  }

  async find(tokenSha256: string): Promise<OauthToken | undefined> {
    const row = await this.db<DbOauthTokenRow>('oauth_tokens').where({ token_sha256: tokenSha256 }).first();
    return row ? toToken(row) : undefined;
  }

  async revokeByClient(clientId: string, at: Date, trx?: Tx): Promise<number> {
    return (trx ?? this.db)<DbOauthTokenRow>('oauth_tokens')
      .where({ client_id: clientId })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString() });
  }

  async revokeByUser(source: string, username: string, at: Date, trx?: Tx): Promise<number> {
    return (trx ?? this.db)<DbOauthTokenRow>('oauth_tokens')
      .where({ source, username })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString() });
  }
}

function toRow(token: OauthToken): DbOauthTokenRow {
  return {
    token_sha256: token.tokenSha256,
    client_id: token.clientId,
    source: token.source,
    username: token.username,
    scope: token.scope,
    expires_at: token.expiresAt.toISOString(),
    created_at: token.createdAt.toISOString(),
    revoked_at: token.revokedAt ? token.revokedAt.toISOString() : null,
  };
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
