import type { Tx } from '../db/transaction';
/** An access token this service minted. Only its SHA-256 is known after it was handed out. */
export interface OauthToken {
  /** Hex SHA-256 of the token: the token itself is never stored. */
  tokenSha256: string;
  clientId: string;
  /** The source of the client it was issued to; a delivery to any other source is refused. */
  source: string;
  /** The resource owner for the password grant; null for client_credentials. */
  username: string | null;
  scope: string | null;
  expiresAt: Date;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The oauth_tokens table. */
export interface OauthTokenStore {
  insert(token: OauthToken): Promise<void>;
  find(tokenSha256: string): Promise<OauthToken | undefined>;
  /**
   * Inserts the token only if its client (and, for the password grant, its user) is still live, checked in the
   * same transaction as the insert, the caller's `trx`: false when either was revoked meanwhile, and nothing is stored.
   */
  insertIfLive(trx: Tx, token: OauthToken): Promise<boolean>;
  /**
   * The token when it, its client and (for the password grant) its user are all live now: a revocation is
   * effective at verification even if some token escaped the revoke's own update.
   */
  findLive(tokenSha256: string): Promise<OauthToken | undefined>;
  /** Revokes every live token of a client, inside `trx` when given; returns how many. */
  revokeByClient(clientId: string, at: Date, trx?: Tx): Promise<number>;
  /** Revokes every live token issued for a user of a source, inside `trx` when given; returns how many. */
  revokeByUser(source: string, username: string, at: Date, trx?: Tx): Promise<number>;
}
