import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import type { z } from 'zod';
import { AppError } from '../core/app-error';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import { toAppError } from '../http/error-handler';
import type { OauthTokenService, TokenRequest } from './oauth-token-service';
import { TOKEN_PATH, tokenForm } from './token-schemas';

export interface TokenRouterDeps {
  tokens: OauthTokenService;
  limiter: FailedAuthLimiter;
}

const REALM = 'appdirect-sync';
/** Refusals that may be credential guessing: they keep the attempt counted. */
const GUESSES = new Set(['OAUTH_INVALID_CLIENT', 'OAUTH_INVALID_GRANT']);

/**
 * `POST /oauth/token` (RFC 6749 section 4.3 and 4.4): form-encoded, client authenticated by HTTP Basic
 * (`client_secret_basic`) or by body parameters (`client_secret_post`), since AppDirect does not document
 * which one it uses. Errors are RFC 6749 bodies `{ error, error_description }`.
 *
 * @remarks Every attempt is counted for the client address and the client id before the secret is checked (scrypt
 * is slow on purpose), and given back unless it ends in invalid_client or invalid_grant; over the limit, 429.
 */
export function tokenRouter(deps: TokenRouterDeps): Router {
  const router = Router();
  router.post(
    TOKEN_PATH,
    deps.limiter.guard('token'),
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }),
    (req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      let request: TokenRequest;
      try {
        request = parseTokenRequest(req);
      } catch (err) {
        next(err);
        return;
      }
      // Counted before scrypt runs, for the address and the client id: concurrent guesses beyond the limit are
      // refused without being checked. A request that turns out not to be a guess gets its count back.
      deps.limiter
        .reserve(req.ip, request.clientId)
        .then(async (attempt) => {
          try {
            const issued = await deps.tokens.issue(request);
            await attempt.succeeded();
            req.log.info({ clientId: request.clientId, grantType: request.grantType }, 'access token issued');
            res.status(200).json(issued);
          } catch (err) {
            if (!GUESSES.has(toAppError(err).code)) await attempt.succeeded();
            throw err;
          }
        })
        .catch(next);
    },
  );
  router.use(TOKEN_PATH, oauthErrorHandler());
  return router;
}

/** Renders OAUTH_* errors as RFC 6749 section 5.2 bodies; leaves every other error to the app's handler. */
function oauthErrorHandler(): ErrorRequestHandler {
  return (err, req, res, next) => {
    const appError = toAppError(err, req.originalUrl);
    if (!appError.code.startsWith('OAUTH_')) {
      next(err);
      return;
    }
    const usedBasic = /^basic\b/i.test(req.headers.authorization ?? '');
    req.log.info({ reason: appError.code }, 'token request refused');
    if (appError.code === 'OAUTH_INVALID_CLIENT' && usedBasic) {
      res.setHeader('WWW-Authenticate', `Basic realm="${REALM}"`);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.status(appError.status).json({
      error: appError.code.slice('OAUTH_'.length).toLowerCase(),
      error_description: appError.message,
    });
  };
}

/** Reads the form and the client credentials from exactly one place: the Basic header or the body. */
function parseTokenRequest(req: Request): TokenRequest {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new AppError('OAUTH_INVALID_REQUEST', 'the body must be application/x-www-form-urlencoded');
  }
  const params = readParams(req.body);
  const basic = readBasic(req.headers.authorization);
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  if (basic) {
    if (params.client_secret !== undefined) {
      throw new AppError('OAUTH_INVALID_REQUEST', 'authenticate the client with HTTP Basic or with the body, not both');
    }
    if (params.client_id !== undefined && params.client_id !== basic.id) {
      throw new AppError('OAUTH_INVALID_REQUEST', 'client_id in the body differs from the one in the Authorization header');
    }
    ({ id: clientId, secret: clientSecret } = basic);
  } else {
    clientId = params.client_id;
    clientSecret = params.client_secret;
  }
  if (!clientId || clientSecret === undefined) {
    throw new AppError('OAUTH_INVALID_CLIENT', 'client authentication is missing');
  }
  return {
    grantType: params.grant_type,
    clientId,
    clientSecret,
    username: params.username,
    password: params.password,
    scope: params.scope,
  };
}

/** The form through its schema (token-schemas.ts, also the OpenAPI document's): a missing or repeated parameter is invalid_request. */
function readParams(body: unknown): z.output<typeof tokenForm> {
  const parsed = tokenForm.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? 'grant_type');
  const given = (body as Record<string, unknown> | undefined)?.[name];
  throw new AppError('OAUTH_INVALID_REQUEST', Array.isArray(given) ? `parameter ${name} is repeated` : `${name} is missing`);
}

/**
 * The client id and secret of an `Authorization: Basic` header, each form-url-decoded as RFC 6749
 * section 2.3.1 asks. Undefined when there is no Authorization header.
 */
function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^basic +([A-Za-z0-9+/=_-]+) *$/i.exec(header);
  if (!match?.[1]) throw new AppError('OAUTH_INVALID_CLIENT', 'the Authorization header is not HTTP Basic');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new AppError('OAUTH_INVALID_CLIENT', 'the Basic credentials have no colon');
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new AppError('OAUTH_INVALID_REQUEST', 'the Basic credentials are not form-url-encoded');
  }
}

function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}
