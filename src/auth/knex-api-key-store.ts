import type { Knex } from 'knex';
import { asDate } from '../db/column-values';
import type { ApiKey, ApiKeyStore, ApiScope } from './api-key-store';

interface DbApiKeyRow {
  id: string;
  name: string;
  key_sha256: string;
  scopes: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

/** ApiKeyStore on knex. */
export class KnexApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Knex) {}

  async create(key: { id: string; name: string; keySha256: string; scopes: ApiScope[] }, now: Date): Promise<void> {
    await this.db('api_keys').insert({
      id: key.id,
      name: key.name,
      key_sha256: key.keySha256,
      scopes: JSON.stringify(key.scopes),
      created_at: now.toISOString(),
    });
  }

  async findActive(keySha256: string): Promise<ApiKey | undefined> {
    const row = (await this.db<DbApiKeyRow>('api_keys').where({ key_sha256: keySha256 }).whereNull('revoked_at').first()) as
      DbApiKeyRow | undefined;
    return row ? toApiKey(row) : undefined;
  }

  async list(): Promise<ApiKey[]> {
    return ((await this.db<DbApiKeyRow>('api_keys').orderBy('created_at')) as DbApiKeyRow[]).map(toApiKey);
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    return (await this.db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: now.toISOString() })) > 0;
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.db('api_keys').where({ id }).update({ last_used_at: now.toISOString() });
  }
}

function toApiKey(r: DbApiKeyRow): ApiKey {
  const d = (v: Date | string | null) => (v === null ? null : asDate(v));
  return {
    id: r.id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as ApiScope[],
    createdAt: asDate(r.created_at),
    revokedAt: d(r.revoked_at),
    lastUsedAt: d(r.last_used_at),
  };
}
