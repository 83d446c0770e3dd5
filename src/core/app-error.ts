import { ERROR_CODES, type ErrorCode } from './error-codes';

/**
 * The one error type of the service. HTTP answers render it as
 * `{ "error": { "code", "message", "requestId" } }` with the status of its code.
 *
 * @example throw new AppError('RECEIVER_BAD_ENVELOPE', 'resource.uuid must be a string or a number')
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }
}

/** True for an AppError, whatever realm it came from. */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
