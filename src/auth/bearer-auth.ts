import type { Router } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config/config-schema';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import type { SourceAuthenticator } from '../receiver/source-authenticator';
import { BearerStrategyAuthenticator } from './bearer-strategy-authenticator';
import { jwtTokenVerifier } from './jwt-token-verifier';
import { KnexOauthClientStore } from './knex-oauth-client-store';
import { KnexOauthTokenStore } from './knex-oauth-token-store';
import { KnexOauthUserStore } from './knex-oauth-user-store';
import { oauth2TokenVerifier } from './oauth2-token-verifier';
import { OauthTokenService } from './oauth-token-service';
import { tokenRouter } from './token-router';

export interface BearerAuthDeps {
  db: Knex;
  clock: Clock;
  logger: Logger;
  config: Readonly<Config>;
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
 *
 * @remarks The knex stores are built here rather than in main.ts so that only src/auth knows them.
 */
export function createBearerAuth(deps: BearerAuthDeps): BearerAuth {
  const tokens = new KnexOauthTokenStore(deps.db);
  const service = new OauthTokenService({
    db: deps.db,
    clients: new KnexOauthClientStore(deps.db),
    users: new KnexOauthUserStore(deps.db),
    tokens,
    clock: deps.clock,
    tokenTtlSeconds: deps.config.auth.tokenTtlSeconds,
    isOauth2Source: (source) => deps.config.sources[source]?.auth.mode === 'oauth2',
  });
  return {
    tokenRouter: tokenRouter({ tokens: service, limiter: deps.limiter }),
    authenticatorFor: (source, auth) =>
      auth.mode === 'oauth2'
        ? new BearerStrategyAuthenticator('oauth2', oauth2TokenVerifier(source, tokens, deps.clock))
        : new BearerStrategyAuthenticator('jwt', jwtTokenVerifier(auth, deps.clock)),
  };
}
