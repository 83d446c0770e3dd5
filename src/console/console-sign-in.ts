import express, { Router } from 'express';
import type { ApiKeyStore } from '../auth/api-key-store';
import type { ConsoleSessionStore } from '../auth/console-session-store';
import type { Clock } from '../core/clock';
import type { FailedAuthLimiter } from '../http/failed-auth-limiter';
import { html } from './html';
import { page } from './console-layout';
import {
  callerOf,
  csrfOf,
  hasScope,
  newToken,
  PRE_SESSION_COOKIE,
  readCookie,
  requireCsrf,
  requireSession,
  SESSION_COOKIE,
  setCookie,
  sha256Hex,
  signInCsrfValid,
  type SessionDeps,
} from './console-session';

export interface SignInDeps extends SessionDeps {
  apiKeys: ApiKeyStore;
  /** Failed sign-ins count towards the `api` family's per-address limit, as a bad API key does. */
  limiter: FailedAuthLimiter;
  clock: Clock;
  sessions: ConsoleSessionStore;
}

/** The form's own fields; the longest key accepted is far above an `ads_…` key's 60 characters. */
const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

/**
 * Sign-in with an API key (admin:read at least) → a session cookie; sign-out deletes the session. The key is never
 * stored or logged: it is hashed and looked up as the API does (api_keys.key_sha256).
 */
export function consoleSignInRouter(deps: SignInDeps): Router {
  const router = Router();

  router.get('/sign-in', (req, res) => {
    const pre = newToken();
    setCookie(req, res, PRE_SESSION_COOKIE, pre, 600);
    res.type('html').send(signInPage(csrfOf(pre, 'sign-in')).text);
  });

  router.post('/sign-in', deps.limiter.guard('api'), form, (req, res, next) => {
    const refuse = async (message: string) => {
      await deps.limiter.recordFailure('api', req.ip);
      const pre = newToken();
      setCookie(req, res, PRE_SESSION_COOKIE, pre, 600);
      res
        .status(401)
        .type('html')
        .send(signInPage(csrfOf(pre, 'sign-in'), message).text);
    };
    (async () => {
      if (!signInCsrfValid(req)) return refuse('The sign-in form was stale: try again.');
      const apiKey = (req.body as Record<string, unknown>).apiKey;
      const key = typeof apiKey === 'string' && apiKey.length <= 200 ? await deps.apiKeys.findActive(sha256Hex(apiKey.trim())) : undefined;
      if (!key || !hasScope(key.scopes, 'admin:read')) return refuse('That key is unknown, revoked, or lacks the scope admin:read.');
      const token = newToken();
      const now = deps.clock.now();
      // Expired sessions go as new ones come (one indexed delete): the table holds about the live sessions only.
      await deps.sessions.deleteExpired(now);
      await deps.sessions.create(
        { tokenSha256: sha256Hex(token), keyId: key.id, expiresAt: new Date(now.getTime() + deps.idleMinutes * 60_000) },
        now,
      );
      req.log?.info({ keyId: key.id }, 'console sign-in');
      setCookie(req, res, PRE_SESSION_COOKIE, '', 0);
      setCookie(req, res, SESSION_COOKIE, token);
      res.redirect(303, '/console');
    })().catch(next);
  });

  router.post('/sign-out', requireSession(deps), form, requireCsrf(), (req, res, next) => {
    const token = readCookie(req, SESSION_COOKIE) ?? '';
    deps.sessions.delete(sha256Hex(token)).then(() => {
      req.log?.info({ keyId: callerOf(res).keyId }, 'console sign-out');
      setCookie(req, res, SESSION_COOKIE, '', 0);
      res.redirect(303, '/console/sign-in');
    }, next);
  });

  return router;
}

function signInPage(csrf: string, problem?: string) {
  return page({
    title: 'Sign in',
    body: html`<form method="post" action="/console/sign-in" class="sign-in">
      ${problem ? html`<p class="problem" role="alert"><strong>Not signed in:</strong> ${problem}</p>` : ''}
      <p>
        Paste an API key with the scope <code>admin:read</code> (to look) or <code>admin:write</code> too (to retry):
        <code>appdirect-sync api-keys add --name me --scope admin:read --scope admin:write</code>.
      </p>
      <label for="apiKey">API key</label>
      <input id="apiKey" name="apiKey" type="password" autocomplete="off" required autofocus />
      <input type="hidden" name="_csrf" value="${csrf}" />
      <button type="submit">Sign in</button>
    </form>`,
  });
}
