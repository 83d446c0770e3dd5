import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { startDownstream, type Downstream } from '../connectors/connector-fixtures';
import { launchChromium, SCREENSHOT_DIR, type TestBrowser } from '../helpers/chromium';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { WIDGET_MAPPING } from '../helpers/worker-harness';

const TOKEN = 'console-browser-test-token';
const BAD = 'w-bad-0001'; // a widget without its required name: its event fails with the path resource.content.name

function widget(uuid: string, key: string, content: Record<string, unknown>, action = 'ADDED', timestamp = 1) {
  return { uuid, timestamp, resourceAction: action, resource: { type: 'WIDGET', uuid: key, content } };
}

// Issue 16: the operations console, driven in Debian's Chromium against the real service on a real port.
describe('console in Chromium', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: TestBrowser;
  let page: Page;
  let downstream: Downstream;
  /** Record keys the CRM stand-in refuses (409): their changes are parked by the connector. */
  const refused = new Set(['w-1', 'w-2']);
  const keys: Record<string, string> = {};

  const post = async (body: unknown) =>
    fetch(`${server.url}/webhooks/shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appdirect-webhook-token': TOKEN },
      body: JSON.stringify(body),
    });
  const drain = async () => {
    while ((await server.runtime.worker.tick()).claimed > 0);
  };
  const statusOf = async (deliveryUuid: string) =>
    ((await server.runtime.db('inbox_events').where({ delivery_uuid: deliveryUuid }).first()) as { status: string; id: number }) ?? {};
  const shot = async (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const signIn = async (key: string) => {
    await page.goto(`${server.url}/console`);
    assert.match(page.url(), /\/console\/sign-in$/, 'without a session the console sends the browser to sign in');
    await shot('sign-in');
    // The key field has the focus: typing and Enter sign in, without a mouse.
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console$/);
  };

  before(async function () {
    browser = await launchChromium(this);
    downstream = await startDownstream((r) => (refused.has(r.path.split('/').pop() ?? '') ? 409 : 200));
    server = await startTestServer((dir) => {
      mkdirSync(join(dir, 'mappings'));
      writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_MAPPING);
      writeFileSync(
        join(dir, 'mappings', 'widget.tests.yaml'),
        [
          'cases:',
          '  - name: a widget keeps its name',
          '    input: { uuid: t1, timestamp: 1, resourceAction: ADDED, resource: { type: WIDGET, uuid: w-t, content: { name: n, qty: 1 } } }',
          '    expect: { name: n, qty: 1 }',
          '  - name: a widget doubles its qty (wrong on purpose)',
          '    input: { uuid: t2, timestamp: 1, resourceAction: ADDED, resource: { type: WIDGET, uuid: w-t, content: { name: n, qty: 1 } } }',
          '    expect: { name: n, qty: 2 }',
        ].join('\n'),
      );
      return {
        mappings: { dir: join(dir, 'mappings') },
        worker: { mappingThread: false },
        connectors: { crm: { type: 'http', mode: 'record', url: `${downstream.url}/w/{key}`, retry: { attempts: 1 } } },
        sources: { shop: { auth: { mode: 'token', tokens: [{ name: 'one', sha256: createHash('sha256').update(TOKEN).digest('hex') }] } } },
      };
    });
    const scopes: Record<string, ApiScope[]> = { writer: ['admin:read', 'admin:write'], reader: ['admin:read'], feed: ['feed:read'] };
    for (const [name, s] of Object.entries(scopes)) {
      const k = newApiKey();
      await server.runtime.stores.apiKeys.create({ id: k.id, name, keySha256: k.keySha256, scopes: s }, new Date());
      keys[name] = k.key;
    }
    assert.equal((await post(widget('d-1', 'w-1', { name: 'one', qty: 1 }))).status, 200);
    assert.equal((await post(widget('d-2', 'w-1', { name: 'two', qty: 2 }, 'CHANGED', 2))).status, 200);
    assert.equal((await post(widget('d-w2', 'w-2', { name: 'second', qty: 2 }))).status, 200);
    assert.equal((await post(widget('d-bad', BAD, { qty: 1 }))).status, 200);
    assert.equal((await post(widget('d-bad-2', 'w-bad-0002', { qty: 2 }))).status, 200);
    assert.equal((await post(widget('d-bad-3', 'w-bad-0003', { qty: 3 }))).status, 200);
    await drain();
    assert.equal((await server.runtime.connectors.run('crm')).status, 'ok', 'the connector parks the two refused changes');
    assert.equal((await post(widget('d-1', 'w-1', { name: 'other', qty: 9 }))).status, 200, 'a conflicting re-send');
    assert.equal((await post({ uuid: 'no-resource' })).status, 400, 'a rejected delivery');
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await downstream?.close();
  });

  it('signs in with an admin:write key, by keyboard, and shows the overview under a strict CSP with no violation', async () => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const refused = await page.goto(`${server.url}/console/sign-in`);
    assert.match(refused?.headers()['content-security-policy'] ?? '', /default-src 'none'; script-src 'self'/);
    await page.fill('#apiKey', keys.feed ?? '');
    await page.click('button[type=submit]');
    assert.match((await page.textContent('[role=alert]')) ?? '', /lacks the scope admin:read/, 'a feed:read key does not open the console');
    await signIn(keys.writer ?? '');
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'ads_console');
    assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
    assert.equal(await page.textContent('h1'), 'Overview');
    assert.match((await page.textContent('#overview')) ?? '', /failed\s*3/, 'events by status counts the three failed events');
    // htmx swaps the panel in place every 10 s: wait for one refresh to prove the script runs under the CSP.
    const before = await page.getAttribute('#overview .refreshed time', 'datetime');
    let after = before;
    for (let waited = 0; after === before && waited < 20_000; waited += 250) {
      await page.waitForTimeout(250);
      after = await page.getAttribute('#overview .refreshed time', 'datetime');
    }
    assert.notEqual(after, before, 'the overview refreshed itself');
    await shot('overview');
    assert.deepEqual(violations, [], 'no script or style was refused by the Content-Security-Policy');
  });

  it('finds a failed event by resource uuid, reads its error path, retries it and sees it fail again', async () => {
    await page.goto(`${server.url}/console/events`);
    await shot('events');
    await page.fill('input[name=resource]', BAD);
    await page.click('form.filters button[type=submit]');
    const rows = page.locator('table.events tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /failed/);
    await shot('events-by-resource');
    await rows.first().locator('a').first().click();
    assert.match((await page.textContent('#error-issues')) ?? '', /widget\.yaml[\s\S]*name[\s\S]*resource\.content\.name/);
    const { id } = await statusOf('d-bad');
    await shot('event');
    // By keyboard: Tab reaches the button (the first stop is the skip link), Enter presses it.
    let tabs = 0;
    const focused = async () =>
      (
        (await page
          .locator(':focus')
          .textContent({ timeout: 1000 })
          .catch(() => '')) ?? ''
      ).trim();
    do {
      await page.keyboard.press('Tab');
      tabs += 1;
    } while ((await focused()) !== 'Retry this event' && tabs < 40);
    assert.ok(tabs < 40, 'Tab reaches the retry button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.notice');
    assert.match((await page.textContent('.notice')) ?? '', /put back in the queue/);
    assert.match((await page.textContent('#event-status')) ?? '', /accepted/);
    assert.equal((await statusOf('d-bad')).status, 'accepted');
    await drain(); // the worker maps it again, with the mapping unchanged
    await page.reload();
    assert.match((await page.textContent('#event-status')) ?? '', /failed/, 'nothing was fixed: it fails again');
    const audit = (await server.runtime.db('admin_audit').where({ route: 'POST /console/events/:id/retry' })) as Array<{
      key_name: string;
      affected: string;
    }>;
    assert.equal(audit.length, 1, 'the retry is audited');
    assert.equal(audit[0]?.key_name, 'writer');
    assert.deepEqual(JSON.parse(audit[0]?.affected ?? '{}').requeued, [id]);
  });

  it('retries a filtered set after a confirmation that says how many', async () => {
    await page.goto(`${server.url}/console/events?status=failed`);
    await page.click('a:has-text("Retry the failed events of this filter")');
    assert.match(((await page.textContent('#retry-count')) ?? '').trim(), /^3 event\(s\) with status failed/);
    await shot('retry-confirmation');
    await page.click('button:has-text("Retry 3 event(s)")');
    assert.match(((await page.textContent('#retry-result')) ?? '').trim(), /^3 event\(s\) put back in the queue/);
    for (const d of ['d-bad', 'd-bad-2', 'd-bad-3']) assert.equal((await statusOf(d)).status, 'accepted');
    assert.equal((await statusOf('d-1')).status, 'done', 'a done event is never re-queued');
    await drain();
  });

  it('refuses a mutation without the CSRF token of the session', async () => {
    const { id } = await statusOf('d-bad');
    const res = await page.request.post(`${server.url}/console/events/${id}/retry`, { form: { nothing: 'here' }, maxRedirects: 0 });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /CONSOLE_CSRF_INVALID/);
    const forged = await page.request.post(`${server.url}/console/events/${id}/retry`, {
      form: { _csrf: 'x'.repeat(43) },
      maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    assert.equal((await statusOf('d-bad')).status, 'failed', 'nothing was re-queued');
  });

  it('maps a pasted delivery in the playground and shows the error path; runs the mapping tests with their diff', async () => {
    await page.goto(`${server.url}/console/playground`);
    await page.fill('#delivery', JSON.stringify(widget('p-1', 'w-p', { qty: 'x' })));
    await page.click('button:has-text("Map it")');
    await page.waitForSelector('#preview-errors');
    assert.match((await page.textContent('#preview-errors')) ?? '', /MAPPING_REQUIRED_FIELD_MISSING[\s\S]*resource\.content\.name/);
    assert.equal(page.url(), `${server.url}/console/playground`, 'htmx swapped the result in, the page stayed');
    await shot('playground');
    await page.fill('#delivery', JSON.stringify(widget('p-2', 'w-p', { name: 'fine', qty: 4 })));
    await page.click('button:has-text("Map it")');
    await page.waitForSelector('#preview-record');
    assert.deepEqual(JSON.parse((await page.textContent('#preview-record')) ?? ''), { name: 'fine', qty: 4 });
    const { id } = await statusOf('d-bad');
    await page.goto(`${server.url}/console/events/${id}`);
    await page.click('a:has-text("Map it in the playground")'); // a stored delivery, picked from its event
    await page.click('button:has-text("Map it")');
    await page.waitForSelector('#preview-errors');
    assert.match((await page.textContent('#preview-errors')) ?? '', /widget\.yaml[\s\S]*resource\.content\.name/);
    await page.click('button:has-text("Run tests")');
    await page.waitForSelector('.test-results');
    const tests = (await page.textContent('#playground-result')) ?? '';
    assert.match(tests, /1 passed, 1 failed/);
    assert.match(tests, /qty[\s\S]*2[\s\S]*1/, 'the failed case shows its diff');
  });

  it('shows conflicts side by side, rejected deliveries, records with history, consumers', async () => {
    await page.goto(`${server.url}/console/conflicts`);
    const conflict = (await page.textContent('.conflict')) ?? '';
    assert.match(conflict, /d-1[\s\S]*Kept[\s\S]*"one"[\s\S]*Re-sent[\s\S]*"other"/);
    await shot('conflicts');
    await page.goto(`${server.url}/console/rejected`);
    assert.match((await page.textContent('main table')) ?? '', /RECEIVER_BAD_ENVELOPE[\s\S]*no-resource/);
    await shot('rejected');
    await page.goto(`${server.url}/console/records`);
    await shot('records');
    await page.click('a:has-text("widget")');
    await page.fill('input[name=key]', 'w-1');
    await page.press('input[name=key]', 'Enter');
    await page.click('table a:has-text("w-1")');
    const history = (await page.textContent('table.history')) ?? '';
    assert.match(history, /updated[\s\S]*name[\s\S]*"one"[\s\S]*"two"/, 'the history says what each change did');
    await shot('record');
    await page.goto(`${server.url}/console/consumers`);
    assert.equal(await page.textContent('h1'), 'Consumers and connectors');
    await shot('consumers');
  });

  it('retries a parked connector change (refused again, then taken) and skips another, each audited', async () => {
    await page.goto(`${server.url}/console/consumers`);
    await page.click('a:has-text("3 parked")'); // w-1 created and updated, w-2 created: all refused
    const rows = page.locator('table.failures tbody tr');
    assert.equal(await rows.count(), 3);
    assert.match((await rows.first().textContent()) ?? '', /widget w-1[\s\S]*HTTP 409/);
    await shot('connector-failures');
    await page.click('button[aria-label^="Retry parked change"] >> nth=0');
    assert.match((await page.textContent('.notice')) ?? '', /refused the change again/);
    assert.match((await rows.first().textContent()) ?? '', /widget w-1[\s\S]*\b2\b/, 'one more attempt counted');
    refused.delete('w-1');
    await page.click('button[aria-label^="Retry parked change"] >> nth=0');
    assert.match((await page.textContent('.notice')) ?? '', /the destination took it/);
    assert.equal(await rows.count(), 2, 'that change is no longer parked');
    page.once('dialog', (d) => void d.accept()); // the Skip button asks first
    await page.click('button[aria-label^="Skip parked change"] >> nth=-1');
    assert.match((await page.textContent('.notice')) ?? '', /skipped/);
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /widget w-1/, 'w-2 was skipped, w-1 updated still waits');
    await page.click('.tabs a:has-text("skipped")');
    assert.match((await page.textContent('table.failures')) ?? '', /widget w-2[\s\S]*skipped/);
    const audit = (await server.runtime.db('admin_audit').where('route', 'like', 'POST /console/connectors/%').orderBy('id')) as Array<{
      route: string;
    }>;
    assert.deepEqual(
      audit.map((a) => a.route),
      ['POST /console/connectors/:name/failures/:id/retry', 'POST /console/connectors/:name/failures/:id/skip'],
      'the taken retry and the skip are audited (a refused retry changed nothing but its count)',
    );
  });

  it('an admin:read key sees but cannot retry, even with its own CSRF token', async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/console\/sign-in$/);
    const stale = await page.request.get(`${server.url}/console/events`, { maxRedirects: 0 });
    assert.equal(stale.status(), 303, 'signed out: the session is gone');
    await signIn(keys.reader ?? '');
    const { id } = await statusOf('d-bad');
    await page.goto(`${server.url}/console/events/${id}`);
    assert.equal(await page.locator('button:has-text("Retry this event")').count(), 0, 'no retry button for a reader');
    const csrf = (await page.getAttribute('meta[name=csrf-token]', 'content')) ?? '';
    const res = await page.request.post(`${server.url}/console/events/${id}/retry`, { form: { _csrf: csrf }, maxRedirects: 0 });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /API_INSUFFICIENT_SCOPE/);
    assert.equal((await statusOf('d-bad')).status, 'failed');
    await page.goto(`${server.url}/console/connectors/crm/failures`);
    assert.equal(await page.locator('table.failures tbody tr').count(), 1, 'a reader sees the parked change');
    assert.equal(
      await page
        .locator('button')
        .filter({ hasText: /Retry|Skip/ })
        .count(),
      0,
      'but gets no button',
    );
    const parkedId = ((await server.runtime.db('connector_failures').where({ state: 'parked' }).first()) as { id: number }).id;
    const skip = await page.request.post(`${server.url}/console/connectors/crm/failures/${parkedId}/skip`, {
      form: { _csrf: csrf },
      maxRedirects: 0,
    });
    assert.equal(skip.status(), 403);
    assert.equal(((await server.runtime.db('connector_failures').where({ id: parkedId }).first()) as { state: string }).state, 'parked');
  });

  after(() => {
    // The README shows the events page as this run drew it (docs/img/console-events.png, committed by hand).
    if (process.env.UPDATE_CONSOLE_SCREENSHOT === '1') copyFileSync(join(SCREENSHOT_DIR, 'events.png'), 'docs/img/console-events.png');
  });
});
