import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import type { ApiKeyStore, ApiScope } from './api-key-store';
import { BearerStrategyAuthenticator, BEARER_REALM } from './bearer-strategy-authenticator';

/** A fresh API key: `ads_<id>_<secret>`. The id is shown in lists and logs; the whole key only once. */
export function newApiKey(): { id: string; key: string; keySha256: string } {
  const id = randomBytes(6).toString('hex');
  const key = `ads_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, keySha256: sha256Hex(key) };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Express middleware for the downstream APIs: `Authorization: Bearer <api key>` with the given scope (`admin`
 * holds every scope). Answers per RFC 6750: 401 for a missing or unknown key, 403 `insufficient_scope` for a key
 * without the scope. Failed attempts count towards the per-address limit of the `api` family.
 */
export class ApiKeyAuth {
  private readonly bearer: BearerStrategyAuthenticator;
  /** When each key's last_used_at was last written: at most once a minute, not one write per feed read. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly clock: Clock,
    private readonly limiter: FailedAuthLimiter,
  ) {
    this.bearer = new BearerStrategyAuthenticator('api-key', async (token) => {
      const key = await this.keys.findActive(sha256Hex(token));
      if (!key) return undefined;
      this.touch(key.id);
      return { id: `apikey:${key.id}`, scopes: key.scopes, name: key.name } as { id: string };
    });
  }

  private touch(id: string): void {
    const now = this.clock.now();
    if (now.getTime() - (this.touched.get(id) ?? 0) < 60_000) return;
    this.touched.set(id, now.getTime());
    // Bookkeeping only: a failed write must not fail the request it was made for.
    void this.keys.touch(id, now).catch(() => undefined);
  }

  require(scope: ApiScope): RequestHandler[] {
    return [
      this.limiter.guard('api'),
      (req, res, next) => {
        this.bearer.authenticate('api', req.headers).then(
          (principal) => {
            const scopes = (principal as { scopes?: ApiScope[] }).scopes ?? [];
            if (!scopes.includes(scope) && !scopes.includes('admin')) {
              next(
                new AppError('API_INSUFFICIENT_SCOPE', `this API key lacks the scope ${scope}`, {
                  wwwAuthenticate: `Bearer realm="${BEARER_REALM}", error="insufficient_scope", scope="${scope}"`,
                }),
              );
              return;
            }
            res.locals.principal = principal.id;
            const keyName = (principal as { name?: string }).name ?? '';
            res.locals.apiCaller = { keyId: principal.id.slice('apikey:'.length), keyName, admin: scopes.includes('admin') };
            next();
          },
          async (err: unknown) => {
            // Counted before answering, so the next request (on any instance) already sees it.
            if ((err as { status?: number }).status === 401) await this.limiter.recordFailure('api', req.ip);
            next(err);
          },
        );
      },
    ];
  }
}
