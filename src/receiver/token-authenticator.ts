import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';
import type { WebhookTokenConfig } from '../config/config-schema';
import type { Principal, SourceAuthenticator } from './source-authenticator';

/** The header AppDirect sends the token in; legacy webhooks use the second spelling. Node lowercases both. */
export const TOKEN_HEADERS = ['x-appdirect-webhook-token', 'appdirect-webhook-token'] as const;

interface ActiveToken {
  name: string;
  digest: Buffer;
  expiresAt: Date | undefined;
}

/**
 * Mode `token`: AppDirect sends the raw shared secret (no `Bearer` prefix) in `x-appdirect-webhook-token`.
 * Several tokens may be active at once, each with an optional expiry, so a token can be rotated with overlap.
 *
 * @remarks Only SHA-256 digests are held. The presented token is hashed and compared with every active digest
 * in constant time, and all of them are compared, so timing tells nothing about which one (if any) matched.
 */
export class TokenAuthenticator implements SourceAuthenticator {
  readonly mode = 'token' as const;
  private readonly tokens: ActiveToken[];

  constructor(
    tokens: readonly WebhookTokenConfig[],
    private readonly clock: Clock,
  ) {
    this.tokens = tokens.map((t) => ({
      name: t.name,
      digest: t.sha256 ? Buffer.from(t.sha256, 'hex') : sha256(t.value ?? ''),
      expiresAt: t.expiresAt,
    }));
  }

  async authenticate(_source: string, headers: IncomingHttpHeaders): Promise<Principal> {
    const presented = firstHeader(headers);
    if (presented === undefined || presented === '') {
      throw new AppError('RECEIVER_MISSING_TOKEN', 'missing x-appdirect-webhook-token header');
    }
    const digest = sha256(presented);
    const now = this.clock.now().getTime();
    let matched: ActiveToken | undefined;
    for (const t of this.tokens) {
      const equal = timingSafeEqual(digest, t.digest);
      const live = t.expiresAt === undefined || t.expiresAt.getTime() > now;
      if (equal && live && matched === undefined) matched = t;
    }
    if (!matched) throw new AppError('RECEIVER_BAD_TOKEN', 'webhook token not valid for this source');
    return { id: `token:${matched.name}` };
  }
}

/** SHA-256 of a token, as stored in config (`sha256:`) and compared at every delivery. */
export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function firstHeader(headers: IncomingHttpHeaders): string | undefined {
  for (const name of TOKEN_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v[0];
  }
  return undefined;
}
