import type { RequestHandler } from 'express';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';

/**
 * Slows down credential guessing: a client address with `max` failed authentications within `windowMs`
 * gets 429 until the window ends.
 *
 * @remarks Only failures count, and they are counted when the answer is known. express-rate-limit counts
 * every request up front and un-counts successes afterwards, so 50 concurrent good deliveries from one
 * AppDirect address would trip it; hence this small counter.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
    private readonly clock: Clock,
  ) {}

  /** Refuses an address that is over the limit, before any credential is looked at. */
  guard(): RequestHandler {
    return (req, _res, next) => {
      const entry = this.current(req.ip ?? 'unknown');
      if (entry && entry.count >= this.max) {
        const retryAfterSeconds = Math.ceil((entry.windowStart + this.windowMs - this.clock.now().getTime()) / 1000);
        next(new AppError('AUTH_RATE_LIMITED', 'too many failed authentication attempts', { retryAfterSeconds }));
        return;
      }
      next();
    };
  }

  /** Counts one failed authentication for the address. */
  recordFailure(address: string | undefined): void {
    const key = address ?? 'unknown';
    const entry = this.current(key);
    if (entry) entry.count += 1;
    else this.failures.set(key, { count: 1, windowStart: this.clock.now().getTime() });
    if (this.failures.size > 100_000) this.sweep();
  }

  private current(key: string): { count: number; windowStart: number } | undefined {
    const entry = this.failures.get(key);
    if (!entry) return undefined;
    if (this.clock.now().getTime() - entry.windowStart >= this.windowMs) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const key of [...this.failures.keys()]) this.current(key);
  }
}
