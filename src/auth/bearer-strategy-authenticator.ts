import type { IncomingHttpHeaders } from 'node:http';
import { Strategy, type VerifyFunction } from 'passport-http-bearer';
import { AppError, isAppError } from '../core/app-error';
import type { Principal, SourceAuthenticator } from '../receiver/source-authenticator';

/** The realm named in every `WWW-Authenticate: Bearer` challenge. */
export const BEARER_REALM = 'appdirect-sync';

/** Checks a presented bearer token for one source: the principal, or undefined when the token is not valid. */
export type BearerVerify = (token: string) => Promise<Principal | undefined>;

type BearerStrategy = Strategy<VerifyFunction>;

type StrategyOutcome =
  { kind: 'success'; principal: Principal } | { kind: 'fail'; challenge: string | number | undefined } | { kind: 'error'; err: unknown };

/**
 * A SourceAuthenticator for `Authorization: Bearer` deliveries (modes oauth2 and jwt), answering per RFC 6750:
 * no credentials → 401 AUTH_MISSING_TOKEN with a bare challenge; malformed header → 400 AUTH_BAD_REQUEST
 * (`invalid_request`); a token `verify` refuses → 401 AUTH_INVALID_TOKEN (`invalid_token`).
 *
 * @remarks The header parsing and the challenges are passport-http-bearer's Strategy. The receiver calls
 * authenticators with headers before the body is read, not as express middleware, so instead of
 * `passport.authenticate()` the strategy is driven directly, the way passport itself does it: an object
 * inheriting from the strategy gets `success`/`fail`/`error` actions and `authenticate()` is called with a
 * request holding only the headers. Hence tokens are taken from the header only, never from the body or
 * query string (RFC 6750 section 2.2 and 2.3 are optional, and a token in a URL ends up in access logs).
 */
export class BearerStrategyAuthenticator implements SourceAuthenticator {
  private readonly strategy: BearerStrategy;

  constructor(
    readonly mode: 'oauth2' | 'jwt' | 'api-key',
    verify: BearerVerify,
  ) {
    const verifyFunction: VerifyFunction = (token, done) => {
      verify(token).then(
        (principal) => done(null, principal ?? false),
        (err: unknown) => done(err),
      );
    };
    this.strategy = new Strategy({ realm: BEARER_REALM }, verifyFunction);
  }

  async authenticate(_source: string, headers: IncomingHttpHeaders): Promise<Principal> {
    const outcome = await this.run({ headers: { authorization: headers.authorization } });
    if (outcome.kind === 'success') return outcome.principal;
    if (outcome.kind === 'error') {
      throw isAppError(outcome.err) ? outcome.err : new AppError('SERVER_INTERNAL', 'bearer token check failed');
    }
    const challenge = outcome.challenge;
    if (typeof challenge !== 'string') {
      throw new AppError('AUTH_BAD_REQUEST', 'the Authorization header is malformed', {
        wwwAuthenticate: `Bearer realm="${BEARER_REALM}", error="invalid_request"`,
      });
    }
    if (challenge.includes('error="invalid_token"')) {
      throw new AppError('AUTH_INVALID_TOKEN', 'the bearer token is not valid for this source', { wwwAuthenticate: challenge });
    }
    throw new AppError('AUTH_MISSING_TOKEN', 'an Authorization: Bearer header is required', { wwwAuthenticate: challenge });
  }

  private run(req: { headers: { authorization?: string } }): Promise<StrategyOutcome> {
    return new Promise((resolve) => {
      const actions = Object.create(this.strategy) as BearerStrategy & {
        success(user: Principal): void;
        fail(challenge?: string | number, status?: number): void;
        error(err: unknown): void;
      };
      actions.success = (principal) => resolve({ kind: 'success', principal });
      actions.fail = (challenge) => resolve({ kind: 'fail', challenge });
      actions.error = (err) => resolve({ kind: 'error', err });
      // The strategy's type asks for an express Request; it reads only headers, body and query.
      actions.authenticate(req as unknown as Parameters<BearerStrategy['authenticate']>[0]);
    });
  }
}
