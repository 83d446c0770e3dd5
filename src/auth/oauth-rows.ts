/** Row shapes of the OAuth2 tables, as knex reads them from either engine. */

/** A row of `oauth_clients`. */
export interface DbOauthClientRow {
  client_id: string;
  source: string;
  secret_hash: string;
  description: string | null;
  created_at: Date | string | number;
  revoked_at: Date | string | number | null;
  /** Space-separated grant types (migration 007). */
  grants: string;
}

/** A row of `oauth_users`. */
export interface DbOauthUserRow {
  id: number | string;
  source: string;
  username: string;
  password_hash: string;
  created_at: Date | string | number;
  revoked_at: Date | string | number | null;
}

/** A row of `oauth_tokens`. */
export interface DbOauthTokenRow {
  token_sha256: string;
  client_id: string;
  source: string;
  username: string | null;
  scope: string | null;
  expires_at: Date | string | number;
  created_at: Date | string | number;
  revoked_at: Date | string | number | null;
}
