import type { Clock } from '../core/clock';
import type { Principal } from '../receiver/source-authenticator';
import type { BearerVerify } from './bearer-strategy-authenticator';
import type { OauthTokenStore } from './oauth-token-store';
import { tokenDigest, WEBHOOK_SCOPE } from './oauth-token-service';

/**
 * Verify function of an oauth2 source: the token must be one this service minted (looked up by its SHA-256),
 * not revoked, its client (and user) not revoked, not expired by the injected clock, issued for this very source
 * and carrying the `webhooks` scope. Principal `oauth2:<client_id>`.
 *
 * @remarks The lookup is by digest, so the database never sees the token and an index probe reveals
 * nothing about it: no constant-time compare is needed here.
 */
export function oauth2TokenVerifier(source: string, tokens: OauthTokenStore, clock: Clock): BearerVerify {
  return async (token: string): Promise<Principal | undefined> => {
    // findLive joins the client and user: revocation is checked here, not only by the revoke's token update.
    const found = await tokens.findLive(tokenDigest(token));
    if (!found || found.revokedAt !== null) return undefined;
    if (!(found.scope ?? '').split(' ').includes(WEBHOOK_SCOPE)) return undefined;
    if (found.expiresAt.getTime() <= clock.now().getTime()) return undefined;
    if (found.source !== source) return undefined;
    return { id: `oauth2:${found.clientId}` };
  };
}
