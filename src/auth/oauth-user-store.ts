import type { Tx } from '../db/transaction';
/** A resource owner for the OAuth2 password grant: the username and password entered in AppDirect. */
export interface OauthUser {
  source: string;
  username: string;
  /** scrypt hash of the password (see secret-hash.ts); the password itself is never stored. */
  passwordHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The oauth_users table. A username is unique within its source. */
export interface OauthUserStore {
  /** Throws a unique violation when the username exists in the source (even revoked). */
  insert(user: OauthUser): Promise<void>;
  find(source: string, username: string): Promise<OauthUser | undefined>;
  list(filter?: { source?: string }): Promise<OauthUser[]>;
  /** Marks the user revoked, inside `trx` when given; false when it does not exist or already was. */
  revoke(source: string, username: string, at: Date, trx?: Tx): Promise<boolean>;
  /** Removes a revoked user so the username can be issued again. */
  deleteRevoked(source: string, username: string): Promise<void>;
}
