import type { Knex } from 'knex';
import { asDate } from '../db/column-values';
import type { Tx } from '../db/transaction';
import type { DbOauthClientRow } from './oauth-rows';
import { OAUTH_GRANTS, type OauthClient, type OauthClientStore, type OauthGrant } from './oauth-client-store';

/** OauthClientStore on knex: SQLite and PostgreSQL alike. */
export class KnexOauthClientStore implements OauthClientStore {
  constructor(private readonly db: Knex) {}

  async insert(client: OauthClient): Promise<void> {
    await this.db<DbOauthClientRow>('oauth_clients').insert({
      client_id: client.clientId,
      source: client.source,
      secret_hash: client.secretHash,
      description: client.description,
      created_at: client.createdAt.toISOString(),
      revoked_at: client.revokedAt ? client.revokedAt.toISOString() : null,
      grants: client.grants.join(' '),
    });
  }

  async find(clientId: string): Promise<OauthClient | undefined> {
    const row = await this.db<DbOauthClientRow>('oauth_clients').where({ client_id: clientId }).first();
    return row ? toClient(row) : undefined;
  }

  async list(filter: { source?: string } = {}): Promise<OauthClient[]> {
    const query = this.db<DbOauthClientRow>('oauth_clients').orderBy([{ column: 'source' }, { column: 'created_at' }]);
    if (filter.source !== undefined) query.where({ source: filter.source });
    return (await query).map(toClient);
  }

  async revoke(clientId: string, at: Date, trx?: Tx): Promise<boolean> {
    const n = await (trx ?? this.db)<DbOauthClientRow>('oauth_clients')
      .where({ client_id: clientId })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString() });
    return n > 0;
  }
}

function toClient(row: DbOauthClientRow): OauthClient {
  return {
    clientId: row.client_id,
    source: row.source,
    secretHash: row.secret_hash,
    description: row.description,
    createdAt: asDate(row.created_at),
    revokedAt: row.revoked_at === null ? null : asDate(row.revoked_at),
    grants: row.grants.split(' ').filter((g): g is OauthGrant => (OAUTH_GRANTS as readonly string[]).includes(g)),
  };
}
