import type { ApiScope } from './api-key-store';

/** A signed-in console session, with what its API key may do now (read from the key on every lookup). */
export interface ConsoleSession {
  tokenSha256: string;
  keyId: string;
  keyName: string;
  scopes: ApiScope[];
  expiresAt: Date;
}

/**
 * Console sessions (migration 015, ADR 0034), keyed by the SHA-256 of the session token: the token itself is only in
 * the browser's cookie. A session whose API key was revoked is not found.
 */
export interface ConsoleSessionStore {
  create(session: { tokenSha256: string; keyId: string; expiresAt: Date }, now: Date): Promise<void>;
  /** The live session with this digest: not expired at `now`, its key not revoked; undefined otherwise. */
  findLive(tokenSha256: string, now: Date): Promise<ConsoleSession | undefined>;
  /** Marks the session used (at most once a minute is enough for the caller), and moves its expiry. */
  touch(tokenSha256: string, now: Date, expiresAt: Date): Promise<void>;
  /** Sign-out: the row is deleted, so the cookie is worthless even if it was copied. */
  delete(tokenSha256: string): Promise<void>;
  /** Deletes sessions that expired before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}
