import type { Config } from '../config/config-schema';
import type { Clock } from '../core/clock';
import { NoAuthenticator, type SourceAuthenticator } from './source-authenticator';
import { TokenAuthenticator } from './token-authenticator';

export interface AuthenticatorDeps {
  clock: Clock;
  /** Builds the authenticator of an oauth2 or jwt source; supplied by main.ts from src/auth/. */
  bearer: (source: string, auth: Extract<Config['sources'][string]['auth'], { mode: 'oauth2' | 'jwt' }>) => SourceAuthenticator;
}

/** One authenticator per configured source, by name. */
export function createAuthenticators(sources: Config['sources'], deps: AuthenticatorDeps): Map<string, SourceAuthenticator> {
  const out = new Map<string, SourceAuthenticator>();
  for (const [name, src] of Object.entries(sources)) {
    const auth = src.auth;
    if (auth.mode === 'none') out.set(name, new NoAuthenticator());
    else if (auth.mode === 'token') out.set(name, new TokenAuthenticator(auth.tokens, deps.clock));
    else out.set(name, deps.bearer(name, auth));
  }
  return out;
}
