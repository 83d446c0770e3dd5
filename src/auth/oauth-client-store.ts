/** An OAuth2 client this service issued to AppDirect. Belongs to exactly one source. */
export interface OauthClient {
  clientId: string;
  source: string;
  /** scrypt hash of the client secret (see secret-hash.ts); the secret itself is never stored. */
  secretHash: string;
  description: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The oauth_clients table, as the token endpoint and the CLI need it. */
export interface OauthClientStore {
  insert(client: OauthClient): Promise<void>;
  /** The client, revoked or not; undefined when unknown. */
  find(clientId: string): Promise<OauthClient | undefined>;
  list(filter?: { source?: string }): Promise<OauthClient[]>;
  /** Marks the client revoked; false when it does not exist or already was. */
  revoke(clientId: string, at: Date): Promise<boolean>;
}
