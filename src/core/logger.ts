import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out. Secrets are redacted here, once, so no caller has to remember to.
 * @remarks Keep in step with every header and body field that can carry a credential.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-appdirect-webhook-token"]',
  'req.headers["appdirect-webhook-token"]',
  'req.headers.cookie',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.token',
  '*.access_token',
  '*.secret',
  'password',
  'token',
  'secret',
];

export interface LoggerOptions {
  level: string;
  /** Where to write; a file descriptor or stream. Default stdout. */
  destination?: pino.DestinationStream;
}

/** Creates the service's root logger: JSON lines, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'appdirect-sync' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
