import type { Knex } from 'knex';
import { asDate } from '../db/column-values';
import type { ApiScope } from './api-key-store';
import type { ConsoleSession, ConsoleSessionStore } from './console-session-store';

interface DbSessionJoinRow {
  token_sha256: string;
  key_id: string;
  expires_at: Date | string;
  name: string;
  scopes: string;
}

/** ConsoleSessionStore on knex (both engines); auth owns both console_sessions and the api_keys it joins. */
export class KnexConsoleSessionStore implements ConsoleSessionStore {
  constructor(private readonly db: Knex) {}

  async create(session: { tokenSha256: string; keyId: string; expiresAt: Date }, now: Date): Promise<void> {
    await this.db('console_sessions').insert({
      token_sha256: session.tokenSha256,
      key_id: session.keyId,
      created_at: now.toISOString(),
      expires_at: session.expiresAt.toISOString(),
      last_seen_at: now.toISOString(),
    });
  }

  async findLive(tokenSha256: string, now: Date): Promise<ConsoleSession | undefined> {
    const row = (await this.db('console_sessions as s')
      .join('api_keys as k', 'k.id', 's.key_id')
      .select('s.token_sha256', 's.key_id', 's.expires_at', 'k.name', 'k.scopes')
      .where('s.token_sha256', tokenSha256)
      .where('s.expires_at', '>', now.toISOString())
      .whereNull('k.revoked_at')
      .first()) as DbSessionJoinRow | undefined;
    if (!row) return undefined;
    return {
      tokenSha256: row.token_sha256,
      keyId: row.key_id,
      keyName: row.name,
      scopes: JSON.parse(row.scopes) as ApiScope[],
      expiresAt: asDate(row.expires_at),
    };
  }

  async touch(tokenSha256: string, now: Date, expiresAt: Date): Promise<void> {
    await this.db('console_sessions')
      .where({ token_sha256: tokenSha256 })
      .update({ last_seen_at: now.toISOString(), expires_at: expiresAt.toISOString() });
  }

  async delete(tokenSha256: string): Promise<void> {
    await this.db('console_sessions').where({ token_sha256: tokenSha256 }).delete();
  }

  async deleteExpired(now: Date): Promise<number> {
    return this.db('console_sessions').where('expires_at', '<=', now.toISOString()).delete();
  }
}
