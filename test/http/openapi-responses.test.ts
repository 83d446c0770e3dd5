import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import { newApiKey } from '../../src/auth/api-key-auth';
import type { ApiScope } from '../../src/auth/api-key-store';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import type { IssuedClient } from '../../src/auth/oauth-admin-service';
import { adminFor } from '../helpers/oauth-fixtures';
import { openApiResponseValidator, type RecordedAnswer } from '../helpers/openapi-validator';
import { forEachDatabase } from '../helpers/test-databases';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { KnexConnectorFailureStore } from '../../src/connectors/knex-connector-failure-store';
import { WIDGET_MAPPING, widgetBody } from '../helpers/worker-harness';

const TOKEN = 'openapi-responses-token';

interface Call {
  key?: string;
  headers?: Record<string, string>;
  /** A JSON value, or a string sent as is. */
  body?: unknown;
  expect: number;
}

// Issue 13: real requests against the real service, success and error cases of every route family; each answer's
// status must be documented for its operation and its body must validate against that status's schema. On both
// engines: PostgreSQL returns bigint ids and timestamps its own way, and the answers must not differ.
forEachDatabase('OpenAPI document: every answer conforms', (ctx) => {
  let server: TestServer;
  let doc: OpenAPIObject;
  let validate: (a: RecordedAnswer) => string[];
  const answers: RecordedAnswer[] = [];
  const keys: Partial<Record<ApiScope, string>> = {};
  let client: IssuedClient;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer((dir) => {
      mkdirSync(join(dir, 'mappings'));
      writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_MAPPING);
      // One passing case and one failing on purpose: POST /mappings/test answers both shapes of a result.
      const input =
        '{ uuid: t1, timestamp: 1, resourceAction: ADDED, resource: { type: WIDGET, uuid: w-9, content: { name: nine, qty: 9 } } }';
      const cases = [`  - name: maps a name\n    input: ${input}\n    expect: { name: nine, qty: 9 }`];
      cases.push(`  - name: wrong on purpose\n    input: ${input}\n    expect: { name: ten, qty: 9 }`);
      writeFileSync(join(dir, 'mappings', 'widget.tests.yaml'), `cases:\n${cases.join('\n')}\n`);
      return {
        db: ctx.config,
        mappings: { dir: join(dir, 'mappings') },
        // One connector that runs below (lastRun set) and one that never runs here (lastRun null).
        connectors: {
          files: { type: 'file', dir: join(dir, 'export'), entities: ['widget'] },
          idle: { type: 'file', dir: join(dir, 'idle'), entities: ['widget'] },
        },
        sources: {
          shop: { auth: { mode: 'token', tokens: [{ name: 'one', sha256: createHash('sha256').update(TOKEN).digest('hex') }] } },
          market: { auth: { mode: 'oauth2' } },
        },
      };
    });
    for (const scope of ['feed:read', 'records:read', 'metrics:read', 'admin:read', 'admin:write', 'admin'] as ApiScope[]) {
      const k = newApiKey();
      await new KnexApiKeyStore(server.runtime.db).create({ id: k.id, name: scope, keySha256: k.keySha256, scopes: [scope] }, new Date());
      keys[scope] = k.key;
    }
    client = await adminFor(server).addClient('market', 'openapi test');
    const res = await fetch(`${server.url}/openapi.json`);
    doc = (await res.json()) as OpenAPIObject;
    validate = openApiResponseValidator(doc);
  });
  after(() => server?.close());

  /** Sends one request to the operation `method template`, records the answer and checks its status. */
  async function call(method: string, template: string, params: Record<string, string | number>, c: Call): Promise<any> {
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(params[name])));
    const headers: Record<string, string> = { ...(c.key ? { authorization: `Bearer ${c.key}` } : {}), ...c.headers };
    let body: string | undefined;
    if (typeof c.body === 'string') body = c.body;
    else if (c.body !== undefined) {
      body = JSON.stringify(c.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const contentType = res.headers.get('content-type') ?? '';
    const text = await res.text();
    const parsed: unknown = contentType.startsWith('application/json') ? JSON.parse(text) : text;
    answers.push({ method, path: template.split('?')[0] ?? template, status: res.status, contentType, body: parsed });
    assert.equal(res.status, c.expect, `${method} ${path}: ${text.slice(0, 300)}`);
    return parsed;
  }

  const WEBHOOK = '/webhooks/{source}';
  const shop = { source: 'shop' };
  const token = { 'x-appdirect-webhook-token': TOKEN };
  const widget = (uuid: string, key: string, name: string) =>
    widgetBody({ uuid, key, action: 'ADDED', timestamp: 1, name, qty: 1 }).toString();

  it('webhooks: accepted, duplicate, conflict, 401, 400, 404, and a bearer token from /oauth/token', async () => {
    assert.equal(
      (await call('POST', WEBHOOK, shop, { headers: token, body: widget('d-1', 'w-1', 'one'), expect: 200 })).status,
      'accepted',
    );
    assert.equal(
      (await call('POST', WEBHOOK, shop, { headers: token, body: widget('d-1', 'w-1', 'one'), expect: 200 })).status,
      'duplicate',
    );
    assert.equal(
      (await call('POST', WEBHOOK, shop, { headers: token, body: widget('d-1', 'w-1', 'two'), expect: 200 })).status,
      'conflict',
    );
    await call('POST', WEBHOOK, shop, {
      headers: token,
      body: JSON.stringify({ uuid: 'd-2', timestamp: 1 }).replace('}', ''),
      expect: 400,
    });
    await call('POST', WEBHOOK, shop, { headers: token, body: { uuid: 'd-3', timestamp: 1, resourceAction: 'ADDED' }, expect: 400 });
    await call('POST', WEBHOOK, shop, { body: widget('d-4', 'w-4', 'x'), expect: 401 });
    await call('POST', WEBHOOK, { source: 'nowhere' }, { headers: token, body: widget('d-5', 'w-5', 'x'), expect: 404 });
    // A widget without its required name: the worker fails it (for the admin retry below).
    const nameless = JSON.stringify({
      uuid: 'd-6',
      timestamp: 1,
      resourceAction: 'ADDED',
      resource: { type: 'WIDGET', uuid: 'w-6', content: { qty: 1 } },
    });
    await call('POST', WEBHOOK, shop, { headers: token, body: nameless, expect: 200 });

    const form = (fields: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', ...fields });
    const basic = (secret: string) => `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}`;
    const issued = await call(
      'POST',
      '/oauth/token',
      {},
      {
        headers: form({ authorization: basic(client.clientSecret) }),
        body: 'grant_type=client_credentials',
        expect: 200,
      },
    );
    await call(
      'POST',
      '/oauth/token',
      {},
      { headers: form({ authorization: basic('wrong') }), body: 'grant_type=client_credentials', expect: 401 },
    );
    await call(
      'POST',
      '/oauth/token',
      {},
      { headers: form({ authorization: basic(client.clientSecret) }), body: 'scope=webhooks', expect: 400 },
    );
    await call(
      'POST',
      WEBHOOK,
      { source: 'market' },
      {
        headers: { authorization: `Bearer ${issued.access_token}` },
        body: widget('d-7', 'w-7', 'seven'),
        expect: 200,
      },
    );
    await call(
      'POST',
      WEBHOOK,
      { source: 'market' },
      { headers: { authorization: 'Bearer nope' }, body: widget('d-8', 'w-8', 'x'), expect: 401 },
    );
    while ((await server.runtime.worker.tick()).claimed > 0);
  });

  it('feed and consumers: pages, ack, rewind, lag, and their refusals', async () => {
    const page = await call('GET', '/api/v1/changes', {}, { key: keys['feed:read'], expect: 200 });
    assert.ok(page.changes.length >= 2, 'the applied widgets are in the feed');
    await call('GET', '/api/v1/changes?limit=0', {}, { key: keys['feed:read'], expect: 400 });
    await call('GET', '/api/v1/changes', {}, { expect: 401 });
    await call('GET', '/api/v1/changes', {}, { key: keys['records:read'], expect: 403 });
    const ACK = '/api/v1/consumers/{name}/ack';
    const batch = await call('GET', '/api/v1/consumers/{name}/changes?limit=1', { name: 'crm' }, { key: keys['feed:read'], expect: 200 });
    await call('POST', ACK, { name: 'crm' }, { key: keys['feed:read'], body: { cursor: batch.next_cursor }, expect: 200 });
    await call('POST', ACK, { name: 'crm' }, { key: keys['feed:read'], body: { cursor: 'soon' }, expect: 400 });
    await call('POST', ACK, { name: 'crm' }, { key: keys['admin:read'], body: { cursor: '1' }, expect: 403 });
    await call('POST', '/api/v1/consumers/{name}/rewind', { name: 'crm' }, { key: keys.admin, body: { cursor: '0' }, expect: 200 });
    await call('POST', '/api/v1/consumers/{name}/rewind', { name: 'crm' }, { key: keys.admin, body: {}, expect: 400 });
    await call('GET', '/api/v1/consumers', {}, { key: keys.admin, expect: 200 });
  });

  it('records: one, a page, and their refusals', async () => {
    const list = await call('GET', '/api/v1/records/{entity}', { entity: 'widget' }, { key: keys['records:read'], expect: 200 });
    assert.ok(list.records.length >= 2);
    await call('GET', '/api/v1/records/{entity}/{key}', { entity: 'widget', key: 'w-1' }, { key: keys['records:read'], expect: 200 });
    await call('GET', '/api/v1/records/{entity}/{key}', { entity: 'widget', key: 'w-404' }, { key: keys['records:read'], expect: 404 });
    await call('GET', '/api/v1/records/{entity}?deleted=maybe', { entity: 'widget' }, { key: keys['records:read'], expect: 400 });
  });

  it('admin: events list and show, retries, conflicts, rejected deliveries, consumers, audit', async () => {
    const A = '/api/v1/admin';
    const { events } = await call('GET', `${A}/events`, {}, { key: keys['admin:read'], expect: 200 });
    const byDelivery = (uuid: string) =>
      (events as Array<{ id: number; deliveryUuid: string }>).find((e) => e.deliveryUuid === uuid)?.id ?? 0;
    const shown = await call('GET', `${A}/events/{id}`, { id: byDelivery('d-1') }, { key: keys['admin:read'], expect: 200 });
    assert.ok(shown.record, 'the event shows its record');
    await call('GET', `${A}/events/{id}`, { id: byDelivery('d-6') }, { key: keys['admin:read'], expect: 200 });
    await call('GET', `${A}/events/{id}`, { id: 999_999 }, { key: keys['admin:read'], expect: 404 });
    await call('GET', `${A}/events?colour=red`, {}, { key: keys['admin:read'], expect: 400 });
    await call('POST', `${A}/events/{id}/retry`, { id: byDelivery('d-6') }, { key: keys['admin:read'], expect: 403 });
    await call('POST', `${A}/events/{id}/retry`, { id: byDelivery('d-6') }, { key: keys['admin:write'], expect: 200 });
    await call('POST', `${A}/events/{id}/retry`, { id: byDelivery('d-1') }, { key: keys.admin, expect: 409 });
    await call('POST', `${A}/events/retry`, {}, { key: keys.admin, body: { status: ['failed'] }, expect: 200 });
    await call('POST', `${A}/events/retry`, {}, { key: keys.admin, body: { ids: ['x'] }, expect: 400 });
    assert.equal((await call('GET', `${A}/conflicts`, {}, { key: keys['admin:read'], expect: 200 })).conflicts.length, 1);
    assert.ok((await call('GET', `${A}/rejected`, {}, { key: keys['admin:read'], expect: 200 })).rejected.length >= 2);
    await call('GET', `${A}/consumers`, {}, { key: keys['admin:read'], expect: 200 });
    assert.ok((await call('GET', `${A}/audit`, {}, { key: keys['admin:read'], expect: 200 })).audit.length >= 2);
  });

  it('admin: the route list, connectors, records and their history, mapping preview and tests, and their refusals', async () => {
    const A = '/api/v1/admin';
    const reader = keys['admin:read'];
    assert.ok((await call('GET', A, {}, { key: reader, expect: 200 })).endpoints.includes('GET /api/v1/admin/connectors'));
    await call('GET', A, {}, { expect: 401 });

    assert.equal((await server.runtime.connectors.run('files')).status, 'ok');
    const { connectors } = await call('GET', `${A}/connectors`, {}, { key: reader, expect: 200 });
    assert.deepEqual(
      (connectors as Array<{ name: string; lastRun: { status: string } | null }>).map((c) => [c.name, c.lastRun?.status ?? null]),
      [
        ['files', 'ok'],
        ['idle', null],
      ],
    );
    await call('GET', `${A}/connectors`, {}, { key: keys['feed:read'], expect: 403 });

    const RECORDS = `${A}/records/{entity}`;
    const page = await call('GET', `${RECORDS}?limit=1`, { entity: 'widget' }, { key: reader, expect: 200 });
    assert.ok(page.nextCursor, 'a full page continues');
    await call('GET', `${RECORDS}?cursor=bogus`, { entity: 'widget' }, { key: reader, expect: 400 });
    const shown = await call('GET', `${RECORDS}/{key}`, { entity: 'widget', key: 'w-1' }, { key: reader, expect: 200 });
    assert.ok(shown.history.length >= 1, 'the record shows its history');
    await call('GET', `${RECORDS}/{key}`, { entity: 'widget', key: 'w-404' }, { key: reader, expect: 404 });

    const PREVIEW = `${A}/mappings/preview`;
    const delivery = JSON.parse(widget('p-1', 'w-p', 'preview')) as unknown;
    assert.equal((await call('POST', PREVIEW, {}, { key: reader, body: { delivery }, expect: 200 })).ok, true);
    const { events } = await call('GET', `${A}/events`, {}, { key: reader, expect: 200 });
    const nameless = (events as Array<{ id: number; deliveryUuid: string }>).find((e) => e.deliveryUuid === 'd-6');
    const failed = await call('POST', PREVIEW, {}, { key: reader, body: { eventId: nameless?.id }, expect: 200 });
    assert.deepEqual([failed.ok, failed.errors[0]?.code], [false, 'MAPPING_REQUIRED_FIELD_MISSING']);
    await call('POST', PREVIEW, {}, { key: reader, body: { eventId: 999_999 }, expect: 404 });
    await call('POST', PREVIEW, {}, { key: reader, body: { delivery, eventId: 1 }, expect: 400 });
    await call('POST', PREVIEW, {}, { key: reader, body: { delivery: { pad: 'x'.repeat(2 * 1024 * 1024) } }, expect: 413 });

    const TEST = `${A}/mappings/test`;
    const run = await call('POST', TEST, {}, { key: reader, expect: 200 });
    assert.deepEqual([run.ok, run.passed, run.failed], [false, 1, 1]);
    assert.equal((await call('POST', TEST, {}, { key: reader, body: { filter: 'maps a name' }, expect: 200 })).ok, true);
    await call('POST', TEST, {}, { key: reader, body: '{not json', expect: 400 });
  });

  it('admin: parked connector changes, list, show, retry, skip and their refusals', async () => {
    const F = '/api/v1/admin/connectors/{name}/failures';
    const change = (await server.runtime.feed.read('0', { limit: 1 })).changes[0];
    assert.ok(change);
    // A file connector parks only what its output mapping refuses; one such change, as the store keeps it.
    await new KnexConnectorFailureStore(server.runtime.db).park(
      'files',
      change,
      {
        code: 'CONNECTOR_OUTPUT_MAPPING_FAILED',
        message: 'the output mapping refused it',
        response: 'MAPPING_REQUIRED_FIELD_MISSING Title',
      },
      new Date(),
    );
    const { failures } = await call('GET', F, { name: 'files' }, { key: keys['admin:read'], expect: 200 });
    const id = (failures as Array<{ id: number }>)[0]?.id ?? 0;
    await call('GET', `${F}?state=bogus`, { name: 'files' }, { key: keys['admin:read'], expect: 400 });
    await call('GET', F, { name: 'nope' }, { key: keys['admin:read'], expect: 404 });
    await call('GET', `${F}/{id}`, { name: 'files', id }, { key: keys['admin:read'], expect: 200 });
    await call('GET', `${F}/{id}`, { name: 'files', id: 999_999 }, { key: keys['admin:read'], expect: 404 });
    await call('POST', `${F}/{id}/retry`, { name: 'files', id }, { key: keys['admin:write'], body: {}, expect: 400 });
    await call('POST', `${F}/{id}/skip`, { name: 'files', id }, { key: keys['admin:read'], expect: 403 });
    await call('POST', `${F}/{id}/skip`, { name: 'files', id }, { key: keys['admin:write'], expect: 200 });
    await call('POST', `${F}/{id}/skip`, { name: 'files', id }, { key: keys['admin:write'], expect: 409 });
  });

  it('the index, health, readiness, metrics and the document itself', async () => {
    assert.equal((await call('GET', '/', {}, { expect: 200 })).links.openapi, '/openapi.json');
    await call('GET', '/admin', {}, { expect: 200 });
    await call('GET', '/healthz', {}, { expect: 200 });
    await call('GET', '/readyz', {}, { expect: 200 });
    await call('GET', '/openapi.json', {}, { expect: 200 });
    await call('GET', '/metrics', {}, { key: keys['metrics:read'], expect: 200 });
    await call('GET', '/metrics', {}, { key: keys['feed:read'], expect: 403 });
  });

  it('every answer above conforms to the document, and every documented operation was called', () => {
    const problems = answers.flatMap(validate);
    assert.deepEqual(problems, []);
    const called = new Set(answers.map((a) => `${a.method.toLowerCase()} ${a.path}`));
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) => Object.keys(item as object).map((m) => `${m} ${path}`));
    assert.deepEqual(
      documented.filter((op) => !called.has(op)),
      [],
      'an operation this test never calls',
    );
  });

  it('the validator refuses an undocumented status, a body that does not match, an error code not listed for the route', () => {
    const ok = answers.find((a) => a.path === '/api/v1/changes' && a.status === 200);
    assert.ok(ok);
    assert.match(validate({ ...ok, status: 418 }).join(), /status not documented/);
    assert.match(validate({ ...ok, body: { changes: 'none' } }).join(), /must be array|must have required property/);
    const missing = answers.find((a) => a.path === '/api/v1/records/{entity}/{key}' && a.status === 404);
    assert.ok(missing);
    assert.deepEqual(validate(missing), []);
    const otherCode = { error: { ...(missing.body as { error: object }).error, code: 'EVENT_NOT_FOUND' } };
    assert.match(validate({ ...missing, body: otherCode }).join(), /allowed values/, 'a 404 code this route never answers');
  });
});
