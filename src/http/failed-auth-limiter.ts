import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../core/app-error';
import { byEngine } from '../db/create-knex';
import { TrackedKeyBudget } from './tracked-key-budget';

/**
 * The endpoint families counted apart, so failures at one never lock out another: 30 bad API keys must not make
 * AppDirect's next webhook delivery answer 429.
 */
export type AuthFamily = 'webhook' | 'token' | 'api';

/** Settings of the limiter (config `auth.failedAuth`), and the database whose instances share the counts. */
export interface FailedAuthLimiterOptions {
  windowMs: number;
  max: number;
  /** Distinct keys (addresses, client ids) counted at most within two windows; newcomers past it share a bucket. */
  maxTrackedKeys?: number;
  /** A PostgreSQL knex: counts go to its `auth_failures` table, shared by every instance. Memory otherwise. */
  db?: Knex;
}

/** Keys counted at most within two windows by default (about 100 bytes each in memory). */
const DEFAULT_MAX_TRACKED_KEYS = 100_000;

/** Addresses the local blocked-until cache holds at most; the oldest entry gives way to a new one. */
const BLOCKED_CACHE_MAX = 10_000;

/**
 * Slows down credential guessing: an address (per endpoint family) or, at the token endpoint, a client id with
 * `max` failed authentications within `windowMs` gets 429 until the window ends. Counts are kept by
 * rate-limiter-flexible: in memory on SQLite (one instance), in PostgreSQL when the service runs there, so every
 * instance sees the same counts.
 *
 * @remarks Two ways of counting. Webhook and API credentials are checked with one SHA-256, so a failure is counted
 * when it is known (`recordFailure`) and concurrent good deliveries from AppDirect's address cost nothing. The
 * token endpoint runs scrypt, deliberately slow: there an attempt is counted before the check (`reserve`) and given
 * back on success, so N concurrent wrong secrets get at most `max` scrypt runs. Each operation is O(1) (entries
 * expire on their own, no sweep); IPv6 addresses are keyed by their /64, which is what one sender controls.
 */
export class FailedAuthLimiter {
  private readonly limiter: RateLimiterAbstract;
  /** Keys known to be over the limit, and until when: saves a database read per request from a blocked sender. */
  private readonly blockedUntil = new Map<string, number>();
  /** Bounds the entries the counts take, whatever the number of senders failing at once. */
  private readonly budget: TrackedKeyBudget;

  constructor(private readonly options: FailedAuthLimiterOptions) {
    const duration = Math.ceil(options.windowMs / 1000);
    this.budget = new TrackedKeyBudget(duration * 1000, options.maxTrackedKeys ?? DEFAULT_MAX_TRACKED_KEYS);
    const memory = new RateLimiterMemory({ points: options.max, duration, keyPrefix: 'auth' });
    const db = options.db;
    // The database's engine decides: PostgreSQL shares the counts between instances, SQLite (one instance) keeps them in memory.
    this.limiter = db
      ? byEngine<RateLimiterAbstract>(db, {
          sqlite: () => memory,
          pg: () =>
            new RateLimiterPostgres({
              storeClient: db,
              storeType: 'knex',
              tableName: 'auth_failures',
              tableCreated: true, // migration 007
              points: options.max,
              duration,
              keyPrefix: 'auth',
              // A database hiccup falls back to per-instance counts rather than failing the request.
              insuranceLimiter: memory,
            }),
        })
      : memory;
  }

  /** Refuses an address that is over the limit for the family, before any credential is looked at. */
  guard(family: AuthFamily): RequestHandler {
    return (req, _res, next) => {
      this.tracked(addressKey(family, req.ip), family)
        .then((key) => this.retryAfter(key))
        .then(
          (seconds) => next(seconds === undefined ? undefined : limited(seconds)),
          () => next(), // the insurance limiter failed too: let the credential check decide
        );
    };
  }

  /** Counts one failed authentication of the address for the family. Never rejects. */
  async recordFailure(family: AuthFamily, address: string | undefined): Promise<void> {
    try {
      const key = await this.tracked(addressKey(family, address), family);
      this.counted(key, await this.limiter.penalty(key));
    } catch {
      // The store and its insurance both failed: the failure goes uncounted rather than failing the answer.
    }
  }

  /**
   * Counts an attempt at the token endpoint before its expensive check, for the address and the client id: rejects
   * with AUTH_RATE_LIMITED when either is over the limit. Call `succeeded()` when the credentials were good.
   */
  async reserve(address: string | undefined, clientId: string): Promise<{ succeeded(): Promise<void> }> {
    const keys: string[] = [];
    let consumed = 0;
    try {
      keys.push(await this.tracked(addressKey('token', address), 'token'), await this.tracked(clientKey(clientId), 'token-client'));
      for (const key of keys) {
        this.counted(key, await this.limiter.consume(key));
        consumed += 1;
      }
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) return { succeeded: async () => undefined }; // store down: no limit
      this.remember(keys[consumed] as string, err);
      throw limited(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
    }
    return {
      succeeded: async () => {
        await Promise.all(keys.map((key) => this.limiter.reward(key).catch(() => undefined)));
      },
    };
  }

  /**
   * The key to count under: its own, unless the budget of tracked keys is spent and it has no entry yet; then the
   * shared bucket of its kind.
   * @remarks Memory stays bounded under a flood of failures from many addresses (or made-up client ids); the price
   * is that, during such a flood, a newcomer that fails shares one limit with the other newcomers.
   */
  private async tracked(key: string, kind: string): Promise<string> {
    if (!this.budget.full()) return key;
    return (await this.limiter.get(key)) ? key : `${kind}:overflow`;
  }

  /** Notes a key's first failure in its window (for the budget), and whether it is now blocked. */
  private counted(key: string, res: RateLimiterRes): void {
    if (res.consumedPoints === 1) this.budget.added();
    this.remember(key, res);
  }

  private async retryAfter(key: string): Promise<number | undefined> {
    const now = Date.now();
    const cached = this.blockedUntil.get(key);
    if (cached !== undefined) {
      if (cached > now) return Math.ceil((cached - now) / 1000);
      this.blockedUntil.delete(key);
    }
    const res = await this.limiter.get(key);
    if (!res || res.consumedPoints < this.options.max) return undefined;
    this.remember(key, res);
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  private remember(key: string, res: RateLimiterRes): void {
    if (res.consumedPoints < this.options.max || res.msBeforeNext <= 0) return;
    if (this.blockedUntil.size >= BLOCKED_CACHE_MAX) {
      const oldest = this.blockedUntil.keys().next().value;
      if (oldest !== undefined) this.blockedUntil.delete(oldest);
    }
    this.blockedUntil.set(key, Date.now() + res.msBeforeNext);
  }
}

function limited(retryAfterSeconds: number): AppError {
  return new AppError('AUTH_RATE_LIMITED', 'too many failed authentication attempts', { retryAfterSeconds });
}

/** `family:address`, an IPv6 address cut to its /64 (one sender usually holds a whole /64). */
function addressKey(family: AuthFamily, address: string | undefined): string {
  const ip = address ?? 'unknown';
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return `${family}:${ip}`;
  return `${family}:${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...zeros, ...right];
}

/** A client id is untrusted text of any length: keyed by a digest so the key stays short. */
function clientKey(clientId: string): string {
  return `token-client:${createHash('sha256').update(clientId, 'utf8').digest('hex').slice(0, 32)}`;
}
