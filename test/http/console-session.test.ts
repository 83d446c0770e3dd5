import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { newApiKey } from '../../src/auth/api-key-auth';
import { FakeClock } from '../../src/core/clock';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

const TOKEN = 'console-session-test-token';

/** The name=value part of each Set-Cookie, and the whole header of the named one. */
function cookies(res: Response): Map<string, { value: string; header: string }> {
  const out = new Map<string, { value: string; header: string }>();
  for (const header of res.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq), { value: pair.slice(eq + 1), header });
  }
  return out;
}

// Issue 16: the console's session, CSRF and header rules, over plain HTTP (the browser tests drive the pages).
describe('console sessions over HTTP', () => {
  let server: TestServer;
  const clock = new FakeClock(new Date('2026-12-05T10:00:00.000Z'));
  let key = '';

  /** Signs in as a browser would: the form's pre-session cookie and CSRF token, then the key. */
  async function signIn(apiKey: string, headers: Record<string, string> = {}): Promise<Response> {
    const form = await fetch(`${server.url}/console/sign-in`, { headers });
    const pre = cookies(form).get('ads_console_pre')?.value ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    return fetch(`${server.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...headers, cookie: `ads_console_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey, _csrf: csrf }).toString(),
    });
  }

  before(async () => {
    server = await startTestServer(
      {
        server: { trustProxy: 1 },
        console: { sessionIdleMinutes: 30 },
        sources: { shop: { auth: { mode: 'token', tokens: [{ name: 'one', sha256: createHash('sha256').update(TOKEN).digest('hex') }] } } },
      },
      clock,
    );
    const k = newApiKey();
    await server.runtime.stores.apiKeys.create({ id: k.id, name: 'oncall', keySha256: k.keySha256, scopes: ['admin'] }, clock.now());
    key = k.key;
  });
  after(() => server?.close());

  it('signs in to an HttpOnly, SameSite=Strict cookie on /console, stored only as a digest; Secure behind TLS', async () => {
    const res = await signIn(key);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/console');
    const session = cookies(res).get('ads_console');
    assert.ok(session);
    assert.match(session.header, /; Path=\/console; HttpOnly; SameSite=Strict/);
    assert.doesNotMatch(session.header, /Secure/, 'plain HTTP: a Secure cookie would never come back');
    const rows = (await server.runtime.db('console_sessions').select('*')) as Array<Record<string, unknown>>;
    assert.ok(rows.some((r) => r.token_sha256 === createHash('sha256').update(session.value).digest('hex')));
    assert.ok(
      !JSON.stringify(rows).includes(session.value) && !JSON.stringify(rows).includes(key),
      'neither the token nor the key is stored',
    );
    const tls = await signIn(key, { 'x-forwarded-proto': 'https' });
    assert.match(cookies(tls).get('ads_console')?.header ?? '', /; Secure$/, 'under TLS (here: a trusted proxy says https) it is Secure');
  });

  it('refuses a wrong key and a sign-in without its form token', async () => {
    const wrong = await signIn('ads_nothing_here');
    assert.equal(wrong.status, 401);
    assert.ok(!cookies(wrong).has('ads_console'));
    const forged = await fetch(`${server.url}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey: key }).toString(),
    });
    assert.equal(forged.status, 401, 'a sign-in posted from another page (no pre-session cookie) is refused');
    assert.match(await forged.text(), /sign-in form was stale/);
  });

  it('ends an idle session after console.sessionIdleMinutes, and each request moves that expiry', async () => {
    const cookie = `ads_console=${cookies(await signIn(key)).get('ads_console')?.value}`;
    const get = (path: string) => fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    clock.advance(20 * 60_000);
    assert.equal((await get('/console/events')).status, 200, '20 minutes idle of 30');
    clock.advance(20 * 60_000);
    assert.equal((await get('/console/events')).status, 200, 'the previous request moved the expiry');
    clock.advance(31 * 60_000);
    const expired = await get('/console/events');
    assert.equal(expired.status, 303);
    assert.equal(expired.headers.get('location'), '/console/sign-in');
    const hx = await fetch(`${server.url}/console/overview`, { headers: { cookie, 'hx-request': 'true' } });
    assert.equal(hx.status, 401, 'htmx gets a 401 and is told where to go');
    assert.equal(hx.headers.get('hx-redirect'), '/console/sign-in');
    assert.match(await hx.text(), /CONSOLE_SESSION_REQUIRED/);
  });

  it('escapes what deliveries carry: a resource uuid of markup shows as text', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const delivery = { uuid: 'd-evil', timestamp: 1, resourceAction: 'ADDED', resource: { type: 'NOPE', uuid: evil, content: {} } };
    const posted = await fetch(`${server.url}/webhooks/shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appdirect-webhook-token': TOKEN },
      body: JSON.stringify(delivery),
    });
    assert.equal(posted.status, 200);
    const cookie = `ads_console=${cookies(await signIn(key)).get('ads_console')?.value}`;
    const page = await (await fetch(`${server.url}/console/events`, { headers: { cookie } })).text();
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'), 'shown as text');
    assert.ok(!page.includes(evil), 'never as markup');
  });

  it('serves its assets itself under a strict CSP, and answers unknown pages with a 404 page', async () => {
    const htmx = await fetch(`${server.url}/console/assets/htmx.min.js`);
    assert.equal(htmx.status, 200);
    assert.match(htmx.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await htmx.text(), /htmx/);
    assert.equal((await fetch(`${server.url}/console/assets/..%2Fpackage.json`)).status, 404);
    const signInPage = await fetch(`${server.url}/console/sign-in`);
    const csp = signInPage.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'no inline code, no other host');
    assert.ok(!/<script>|<style>| on[a-z]+=/i.test(await signInPage.text()), 'no inline script, style or handler');
    const cookie = `ads_console=${cookies(await signIn(key)).get('ads_console')?.value}`;
    const missing = await fetch(`${server.url}/console/nothing`, { headers: { cookie } });
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^text\/html/);
  });
});

// Guessing keys at the sign-in form is limited like guessing them at the API (the `api` family of the limiter).
describe('console sign-in under the failed-auth limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: { failedAuth: { max: 2, windowMs: 60_000 } } });
  });
  after(() => server?.close());

  it('refuses a third attempt from the same address before looking at the key', async () => {
    const attempt = async () => {
      const form = await fetch(`${server.url}/console/sign-in`);
      const pre = /ads_console_pre=([^;]+)/.exec(form.headers.getSetCookie().join('\n'))?.[1] ?? '';
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
      return fetch(`${server.url}/console/sign-in`, {
        method: 'POST',
        headers: { cookie: `ads_console_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ apiKey: 'ads_guess_guess', _csrf: csrf }).toString(),
      });
    };
    assert.equal((await attempt()).status, 401);
    assert.equal((await attempt()).status, 401);
    const third = await attempt();
    assert.equal(third.status, 429);
    assert.match(await third.text(), /AUTH_RATE_LIMITED/, 'a page with the catalogued code');
  });
});
