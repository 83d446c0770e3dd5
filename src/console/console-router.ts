import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { AppError } from '../core/app-error';
import { toAppError } from '../http/error-handler';
import { runAsync } from '../http/run-async';
import { consoleAssets } from './console-assets';
import { consoleConnectorsRouter } from './console-connectors';
import type { ConsoleDeps } from './console-deps';
import { consoleEventsRouter } from './console-events';
import { page } from './console-layout';
import { consoleListsRouter } from './console-lists';
import { overviewPanel } from './console-overview';
import { consolePlaygroundRouter } from './console-playground';
import { consoleRecordsRouter } from './console-records';
import { callerOf, requireSession, type ConsoleCaller } from './console-session';
import { consoleSignInRouter } from './console-sign-in';
import { html } from './html';

/** The console's mount path: the OpenAPI document describes the JSON API and leaves this browser UI out (ADR 0034). */
export const CONSOLE_PATH = '/console';

/**
 * Only this service's own files, no inline script or style, no framing, forms posting back here only. The pages are
 * about one operator's session, so nothing is cached.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * The operations console (issue 16, docs/console.md, ADR 0034): server-rendered pages over the admin API's stores
 * and services, behind a session opened with an API key. `admin:read` sees; `admin:write` acts (retries), with the
 * session's CSRF token, audited as the admin API audits.
 */
export function consoleRouter(deps: ConsoleDeps): Router {
  const pages = Router();
  pages.use(securityHeaders);
  pages.get('/assets/:name', consoleAssets());
  pages.use(consoleSignInRouter(deps));
  pages.use(requireSession(deps));

  pages.get(['/', '/overview'], (req, res, next) => {
    runAsync(next, async () => {
      const panel = await overviewPanel(deps);
      if (req.headers['hx-request']) return void res.type('html').send(panel.text);
      res.type('html').send(page({ title: 'Overview', active: 'overview', caller: callerOf(res), body: panel }).text);
    });
  });
  pages.use(consoleEventsRouter(deps));
  pages.use(consoleListsRouter(deps));
  pages.use(consoleConnectorsRouter(deps));
  pages.use(consoleRecordsRouter(deps));
  pages.use(consolePlaygroundRouter(deps));
  pages.use((req, _res, next) => next(new AppError('HTTP_NOT_FOUND', `no console page ${req.path}`)));
  pages.use(consoleErrors());

  const router = Router();
  router.use(CONSOLE_PATH, pages);
  return router;
}

/** Errors as a page (status and catalogued code, as the JSON APIs answer them); a lost session sends htmx to sign-in. */
function consoleErrors(): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = toAppError(err, req.originalUrl);
    if (e.code === 'SERVER_INTERNAL') req.log?.error({ err }, 'unhandled error');
    res.locals.errorCode = e.code;
    if (res.headersSent) return;
    if (e.code === 'CONSOLE_SESSION_REQUIRED' && req.headers['hx-request']) res.setHeader('HX-Redirect', `${CONSOLE_PATH}/sign-in`);
    const caller = res.locals.console as ConsoleCaller | undefined;
    const body = html`<p class="problem" role="alert">
        <strong>${e.status} <code id="error-code">${e.code}</code></strong
        >: ${e.message}
      </p>
      <p>
        Request id <code>${req.id ?? ''}</code>.
        ${caller ? html`<a href="/console">Back to the overview</a>` : html`<a href="/console/sign-in">Sign in</a>`}
      </p>`;
    res
      .status(e.status)
      .type('html')
      .send(page({ title: 'Not done', caller, body }).text);
  };
}
