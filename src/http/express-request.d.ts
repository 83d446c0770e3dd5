import type { Logger } from 'pino';

declare global {
  namespace Express {
    interface Request {
      /** The request id: the caller's x-request-id when sane, else a fresh UUID. */
      id: string;
      /** A child logger carrying the request id. */
      log: Logger;
    }
  }
}

export {};
