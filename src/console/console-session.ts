import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { ApiScope } from '../auth/api-key-store';
import type { ConsoleSessionStore } from '../auth/console-session-store';
import { AppError } from '../core/app-error';
import type { Clock } from '../core/clock';

/** The session cookie: HttpOnly, SameSite=Strict, Path=/console, Secure when the request came over TLS. */
export const SESSION_COOKIE = 'ads_console';
/** Before sign-in: a random value whose digest the sign-in form carries (no forged sign-in from another site). */
export const PRE_SESSION_COOKIE = 'ads_console_pre';
/** How often a session's expiry is moved forward (one write a minute, not one a request). */
const TOUCH_EVERY_MS = 60_000;

/** Who is signed in, on `res.locals.console` for every page behind the session. */
export interface ConsoleCaller {
  keyId: string;
  keyName: string;
  /** The synchronizer token every mutation must send back (form field `_csrf` or header `X-CSRF-Token`). */
  csrf: string;
  canWrite: boolean;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A fresh random token (32 bytes, base64url) for a session or a pre-session cookie. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The CSRF token of a session or pre-session token: derived from that secret, so the database keeps only digests
 * and a page can print the token without storing it. Another site can neither read the cookie nor compute it.
 */
export function csrfOf(secret: string, purpose: 'session' | 'sign-in'): string {
  return createHash('sha256').update(`csrf:${purpose}:${secret}`, 'utf8').digest('base64url');
}

/** Constant-time comparison of the token a request sent with the expected one. */
export function sameToken(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie of the request, by name (the header is bounded by Node's header size limit). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Sets a console cookie with the attributes of ADR 0034; `maxAgeSeconds` 0 clears it, undefined makes it last until
 * the browser closes (the session's expiry in the database is what counts).
 */
export function setCookie(req: Request, res: Response, name: string, value: string, maxAgeSeconds?: number): void {
  const secure = req.secure ? '; Secure' : '';
  const maxAge = maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`;
  res.append('Set-Cookie', `${name}=${value}; Path=/console; HttpOnly; SameSite=Strict${maxAge}${secure}`);
}

/** The sign-in form's CSRF token sent back matches the pre-session cookie. */
export function signInCsrfValid(req: Request): boolean {
  const pre = readCookie(req, PRE_SESSION_COOKIE);
  return pre !== undefined && sameToken((req.body as Record<string, unknown> | undefined)?._csrf, csrfOf(pre, 'sign-in'));
}

export interface SessionDeps {
  sessions: ConsoleSessionStore;
  clock: Clock;
  idleMinutes: number;
}

/**
 * Loads the session of the cookie onto `res.locals.console`; without a live one, a page request is sent to the
 * sign-in page and anything else gets 401 CONSOLE_SESSION_REQUIRED. A key without admin:read (or admin) is refused.
 */
export function requireSession(deps: SessionDeps): RequestHandler {
  const touched = new Map<string, number>();
  return (req, res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    const now = deps.clock.now();
    const found = token ? deps.sessions.findLive(sha256Hex(token), now) : Promise.resolve(undefined);
    found.then(async (session) => {
      if (!token || !session || !hasScope(session.scopes, 'admin:read')) {
        if (req.method === 'GET' && !req.headers['hx-request']) return res.redirect(303, '/console/sign-in');
        return next(new AppError('CONSOLE_SESSION_REQUIRED', 'sign in to the console first (the session is missing or expired)'));
      }
      if (now.getTime() - (touched.get(session.tokenSha256) ?? 0) >= TOUCH_EVERY_MS) {
        touched.set(session.tokenSha256, now.getTime());
        if (touched.size > 10_000) touched.clear(); // a bookkeeping cache, not a session list
        await deps.sessions.touch(session.tokenSha256, now, new Date(now.getTime() + deps.idleMinutes * 60_000));
      }
      const caller: ConsoleCaller = {
        keyId: session.keyId,
        keyName: session.keyName,
        csrf: csrfOf(token, 'session'),
        canWrite: hasScope(session.scopes, 'admin:write'),
      };
      res.locals.console = caller;
      next();
    }, next);
  };
}

/** Every console mutation: the session's synchronizer token must come back, compared in constant time. */
export function requireCsrf(): RequestHandler {
  return (req, res, next) => {
    const caller = res.locals.console as ConsoleCaller;
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
    if (!sameToken(sent, caller.csrf)) return next(new AppError('CONSOLE_CSRF_INVALID', 'the form is stale or forged: reload the page'));
    next();
  };
}

/** A mutation needs admin:write (or admin); admin:read sees only. */
export function requireWrite(): RequestHandler {
  return (_req, res, next) => {
    const caller = res.locals.console as ConsoleCaller;
    if (!caller.canWrite) return next(new AppError('API_INSUFFICIENT_SCOPE', 'this API key lacks the scope admin:write'));
    next();
  };
}

export function hasScope(scopes: ApiScope[], scope: ApiScope): boolean {
  return scopes.includes(scope) || scopes.includes('admin');
}

/** The caller of a console request (after requireSession). */
export function callerOf(res: Response): ConsoleCaller {
  return res.locals.console as ConsoleCaller;
}
