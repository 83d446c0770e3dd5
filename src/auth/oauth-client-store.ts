import type { Tx } from '../db/transaction';
/** The grant types of the token endpoint; each client is allowed a subset of them. */
export const OAUTH_GRANTS = ['client_credentials', 'password'] as const;
export type OauthGrant = (typeof OAUTH_GRANTS)[number];

/** An OAuth2 client this service issued to AppDirect. Belongs to exactly one source. */
export interface OauthClient {
  clientId: string;
  source: string;
  /** scrypt hash of the client secret (see secret-hash.ts); the secret itself is never stored. */
  secretHash: string;
  description: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  /** The grant types this client may use; any other is answered unauthorized_client. */
  grants: OauthGrant[];
}

/** The oauth_clients table, as the token endpoint and the CLI need it. */
export interface OauthClientStore {
  insert(client: OauthClient): Promise<void>;
  /** The client, revoked or not; undefined when unknown. */
  find(clientId: string): Promise<OauthClient | undefined>;
  list(filter?: { source?: string }): Promise<OauthClient[]>;
  /** Marks the client revoked (its tokens stay as they are), inside `trx` when given; false when it does not exist or already was. */
  revoke(clientId: string, at: Date, trx?: Tx): Promise<boolean>;
}
