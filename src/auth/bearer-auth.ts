import { Router } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config/config-schema';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import type { SourceAuthenticator } from '../receiver/source-authenticator';

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

/** Placeholder until the oauth2 and jwt modes land: refuses to build them. */
export function createBearerAuth(_deps: BearerAuthDeps): BearerAuth {
  return {
    tokenRouter: Router(),
    authenticatorFor: (source, auth) => {
      throw new Error(`source ${source}: auth mode ${auth.mode} is not available yet`);
    },
  };
}
