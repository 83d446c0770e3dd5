import pino, { type Logger } from 'pino';
import type { build as prettyStreamType } from 'pino-pretty';

export type { Logger };

/** Field names that hold a credential wherever they appear in a log call's object. */
const SECRET_KEYS = [
  'password',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'refresh_token',
  'secret',
  'authorization',
  'cookie',
];

/**
 * Paths pino blanks out. Secrets are redacted here, once, so no caller has to remember to.
 * @remarks Explicit paths only (the top level, and one level down under the objects the service logs: `req`,
 * `headers`, `body`, `err`, `auth`): wildcard paths (`*.password`) made every log line about four times as costly,
 * a quarter of the receiver's throughput at one info line per delivery. Keep in step with every header and field
 * that can carry a credential.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-appdirect-webhook-token"]',
  'req.headers["appdirect-webhook-token"]',
  'req.headers.cookie',
  ...SECRET_KEYS,
  ...['headers', 'body', 'err', 'auth', 'config', 'client'].flatMap((parent) => SECRET_KEYS.map((key) => `${parent}.${key}`)),
];

/** `json` lines for machines, `pretty` for people, `auto`: pretty when stderr is a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  level: string;
  /** How lines look when no destination is given. Default json. */
  format?: LogFormat;
  /** Where to write; a file descriptor or stream. Default stderr, in `format`. */
  destination?: pino.DestinationStream;
}

/**
 * Creates the service's root logger, secrets redacted.
 * @remarks Logs go to stderr in every command, so stdout carries only a command's own output (tables, JSON,
 * summaries, progress) and can be piped.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'appdirect-sync' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination ?? stderrIn(options.format ?? 'json'),
  );
}

function stderrIn(format: LogFormat): pino.DestinationStream {
  const tty = process.stderr.isTTY === true;
  if (format === 'pretty' || (format === 'auto' && tty)) {
    // Synchronous, so a line logged just before process.exit() is not lost; a terminal's pace is a person's.
    // Loaded only here: a command that logs JSON does not pay for pino-pretty at start.
    const prettyStream = (require('pino-pretty') as { build: typeof prettyStreamType }).build;
    return prettyStream({ destination: 2, sync: true, colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  }
  return pino.destination({ dest: 2, sync: false });
}
