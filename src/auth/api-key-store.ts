/**
 * What an API key may do: read the change feed, read records, scrape the metrics (`metrics:read`), read the admin
 * API (`admin:read`), make its mutations (`admin:write`: retries), or everything (`admin`: also consumers and rewinds).
 */
export const API_SCOPES = ['feed:read', 'records:read', 'metrics:read', 'admin:read', 'admin:write', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  scopes: ApiScope[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** API keys for the downstream APIs; stored as SHA-256 only (the keys are 32 random bytes, not passwords). */
export interface ApiKeyStore {
  create(key: { id: string; name: string; keySha256: string; scopes: ApiScope[] }, now: Date): Promise<void>;
  /** The active key with this digest, or undefined. */
  findActive(keySha256: string): Promise<ApiKey | undefined>;
  list(): Promise<ApiKey[]>;
  revoke(id: string, now: Date): Promise<boolean>;
  touch(id: string, now: Date): Promise<void>;
}
