import { AppError } from '../core/app-error';
import type { ErrorCode } from '../core/error-codes';

/** Which catalog a route's errors come from: webhooks answer RECEIVER_*, the token endpoint OAUTH_*, the rest HTTP_*. */
export type RouteFamily = 'receiver' | 'oauth' | 'http';

/** The family of a request path (`req.originalUrl` or `req.path`). */
export function routeFamily(path: string): RouteFamily {
  if (path.startsWith('/webhooks/')) return 'receiver';
  if (path.startsWith('/oauth/')) return 'oauth';
  return 'http';
}

type BodyProblem = 'malformed' | 'tooLarge' | 'encoding' | 'charset' | 'parameters' | 'unreadable';

/** body-parser's `type` of each client mistake (see its README, "Errors"). */
const PROBLEMS: Record<string, BodyProblem> = {
  'entity.parse.failed': 'malformed',
  'entity.too.large': 'tooLarge',
  'encoding.unsupported': 'encoding',
  'charset.unsupported': 'charset',
  'parameters.too.many': 'parameters',
  'request.aborted': 'unreadable',
  'request.size.invalid': 'unreadable',
};

const CODES: Record<Exclude<RouteFamily, 'oauth'>, Record<BodyProblem, ErrorCode>> = {
  receiver: {
    malformed: 'RECEIVER_MALFORMED_JSON',
    tooLarge: 'RECEIVER_BODY_TOO_LARGE',
    encoding: 'RECEIVER_UNSUPPORTED_ENCODING',
    charset: 'RECEIVER_UNSUPPORTED_CHARSET',
    parameters: 'RECEIVER_MALFORMED_JSON',
    unreadable: 'RECEIVER_BODY_UNREADABLE',
  },
  http: {
    malformed: 'HTTP_MALFORMED_JSON',
    tooLarge: 'HTTP_BODY_TOO_LARGE',
    encoding: 'HTTP_UNSUPPORTED_ENCODING',
    charset: 'HTTP_UNSUPPORTED_CHARSET',
    parameters: 'HTTP_TOO_MANY_PARAMETERS',
    unreadable: 'HTTP_BODY_UNREADABLE',
  },
};

const MESSAGES: Record<BodyProblem, (e: BodyParserError) => string> = {
  malformed: () => 'request body is not valid JSON',
  tooLarge: (e) => `request body is over the limit of ${e.limit ?? '?'} bytes`,
  encoding: (e) => `content-encoding ${JSON.stringify(String(e.encoding ?? '?').slice(0, 32))} is not supported (identity, gzip, deflate)`,
  charset: (e) => `charset ${JSON.stringify(String(e.charset ?? '?').slice(0, 32))} is not supported (utf-8)`,
  parameters: () => 'too many form parameters',
  unreadable: () => 'request body could not be read (aborted, corrupt compressed data, or not the declared length)',
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  encoding?: string;
  charset?: string;
}

/**
 * A body-parser (or raw-body, zlib) error as the catalog error of the route's family, or undefined when `err`
 * is none of those. A corrupt gzip body comes as a 400 without a type: it counts as unreadable.
 */
export function bodyError(err: unknown, family: RouteFamily): AppError | undefined {
  const e = err as BodyParserError | null;
  if (typeof e !== 'object' || e === null) return undefined;
  const problem = e.type !== undefined ? PROBLEMS[e.type] : isClientStatus(e.status) ? 'unreadable' : undefined;
  if (problem === undefined) return undefined;
  const message = MESSAGES[problem](e);
  if (family === 'oauth') return new AppError('OAUTH_INVALID_REQUEST', message);
  return new AppError(CODES[family][problem], message, { bodyProblem: problem });
}

function isClientStatus(status: unknown): boolean {
  return typeof status === 'number' && status >= 400 && status < 500;
}
