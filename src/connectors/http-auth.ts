import type { HttpAuthConfig } from '../config/connector-schema';
import { Oauth2ClientToken } from './oauth2-client-token';

/** How a connector authenticates its requests to the downstream. */
export interface HttpAuth {
  /** The Authorization header value, or undefined for none. */
  authorization(): Promise<string | undefined>;
  /**
   * The downstream answered 401 to `authorization`. True when a new credential may now be had (OAuth2), so the
   * request is worth sending once more; false when the same credential would be sent again (static bearer).
   */
  refused(authorization: string): boolean;
}

/** The HttpAuth of a connector's `auth` config. */
export function createHttpAuth(config: HttpAuthConfig, timeoutMs: number): HttpAuth {
  switch (config.type) {
    case 'none':
      return { authorization: async () => undefined, refused: () => false };
    case 'bearer':
      return { authorization: async () => `Bearer ${config.token}`, refused: () => false };
    case 'oauth2': {
      const tokens = new Oauth2ClientToken({ ...config, timeoutMs });
      return {
        authorization: async () => `Bearer ${await tokens.get()}`,
        refused: (authorization) => {
          tokens.refused(authorization.replace(/^Bearer /, ''));
          return true;
        },
      };
    }
  }
}
