import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { Principal } from '../receiver/source-authenticator';
import type { BearerVerify } from './bearer-strategy-authenticator';

/** The settings of a source with auth mode jwt (see config-schema.ts). */
export interface JwtSourceAuth {
  jwksUrl: string;
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  /** When set, only tokens with one of these `sub`s. */
  subjects?: string[];
  /** When set, only tokens whose client id claim is one of these. */
  clientIds?: string[];
}

/** Where identity providers put the client a token was issued to: RFC 9068, OIDC, Okta, Entra ID v1. */
const CLIENT_ID_CLAIMS = ['client_id', 'azp', 'cid', 'appid'] as const;

/** jose error codes that mean "this token is not acceptable", as opposed to "the keys could not be fetched". */
const TOKEN_FAULTS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
]);

/**
 * Verify function of a jwt source: a token minted by the customer's own identity provider, checked against
 * the source's JWKS (fetched and cached by jose, refetched when an unknown `kid` shows up), issuer, audience,
 * allowed algorithms and expiry with the configured clock tolerance, then the source's `subjects` and `clientIds`
 * when set (two sources trusting one issuer and audience would otherwise accept each other's tokens).
 * Principal `jwt:<sub>`.
 *
 * @remarks When the JWKS cannot be fetched the delivery is answered 503 (AUTH_JWKS_UNAVAILABLE), not 401:
 * the token may well be good, and AppDirect retries a 503 later.
 */
export function jwtTokenVerifier(auth: JwtSourceAuth, clock: Clock): BearerVerify {
  const keys = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return async (token: string): Promise<Principal | undefined> => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: auth.algorithms,
        clockTolerance: auth.clockToleranceSeconds,
        currentDate: clock.now(),
        requiredClaims: ['exp', 'sub'],
      });
      if (!payload.sub) return undefined;
      if (auth.subjects !== undefined && !auth.subjects.includes(payload.sub)) return undefined;
      if (auth.clientIds !== undefined) {
        const claim = CLIENT_ID_CLAIMS.map((name) => payload[name]).find((v): v is string => typeof v === 'string');
        if (claim === undefined || !auth.clientIds.includes(claim)) return undefined;
      }
      return { id: `jwt:${payload.sub}` };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && TOKEN_FAULTS.has(code)) return undefined;
      throw new AppError('AUTH_JWKS_UNAVAILABLE', 'the JSON Web Key Set of this source could not be fetched');
    }
  };
}
