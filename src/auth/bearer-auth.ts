import type { Router } from 'express';
import type { Config } from '../config/config-schema';
import type { Clock } from '../core/clock';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import type { SourceAuthenticator } from '../receiver/source-authenticator';
import { BearerStrategyAuthenticator } from './bearer-strategy-authenticator';
import { jwtTokenVerifier } from './jwt-token-verifier';
import { oauth2TokenVerifier } from './oauth2-token-verifier';
import type { OauthTokenService } from './oauth-token-service';
import type { OauthTokenStore } from './oauth-token-store';
import { tokenRouter } from './token-router';

export interface BearerAuthDeps {
  /** Issues tokens at the token endpoint. */
  service: OauthTokenService;
  /** The issued tokens, which the oauth2 sources verify against. */
  tokens: OauthTokenStore;
  clock: Clock;
  limiter: FailedAuthLimiter;
}

type BearerSourceAuth = Extract<Config['sources'][string]['auth'], { mode: 'oauth2' | 'jwt' }>;

export interface BearerAuth {
  /** `POST /oauth/token`, the token endpoint AppDirect calls for the oauth2 modes. */
  tokenRouter: Router;
  authenticatorFor: (source: string, auth: BearerSourceAuth) => SourceAuthenticator;
}

/**
 * Wires the bearer modes: the OAuth2 token endpoint (this service as authorization server) and one
 * authenticator per oauth2 or jwt source (this service as resource server).
 * The service and the stores come from the composition root (src/compose).
 */
export function createBearerAuth(deps: BearerAuthDeps): BearerAuth {
  const { tokens } = deps;
  return {
    tokenRouter: tokenRouter({ tokens: deps.service, limiter: deps.limiter }),
    authenticatorFor: (source, auth) =>
      auth.mode === 'oauth2'
        ? new BearerStrategyAuthenticator('oauth2', oauth2TokenVerifier(source, tokens, deps.clock))
        : new BearerStrategyAuthenticator('jwt', jwtTokenVerifier(auth, deps.clock)),
  };
}
