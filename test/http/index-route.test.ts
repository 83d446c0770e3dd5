import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

/** Issue 13: `/` and `/admin` answer an index of the service, never a 404; every link it gives answers. */
describe('GET / and /admin', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  it('answer the same index: name, version, links that exist, docs that exist', async () => {
    const root = await fetch(`${server.url}/`);
    assert.equal(root.status, 200);
    const index = (await root.json()) as { service: string; version: string; links: Record<string, string>; docs: Record<string, string> };
    const version = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(index.service, 'appdirect-sync');
    assert.equal(index.version, version);
    assert.deepEqual(await (await fetch(`${server.url}/admin`)).json(), index);
    assert.equal((await fetch(`${server.url}${index.links.health}`)).status, 200);
    assert.equal((await fetch(`${server.url}${index.links.ready}`)).status, 200);
    // The OpenAPI document, without a key: the machine-readable description of every route.
    assert.equal(index.links.openapi, '/openapi.json');
    const openapi = await fetch(`${server.url}${index.links.openapi}`);
    assert.equal(openapi.status, 200);
    assert.equal(((await openapi.json()) as { openapi: string }).openapi, '3.1.0');
    // Behind a key, but there: 401, never 404.
    for (const link of ['metrics', 'admin', 'changes']) {
      assert.equal((await fetch(`${server.url}${index.links[link]}`)).status, 401, link);
    }
    // The console (enabled by default): its sign-in page answers without a session.
    assert.equal(index.links.console, '/console');
    const consolePage = await fetch(`${server.url}${index.links.console}`, { redirect: 'manual' });
    assert.ok([200, 302, 303].includes(consolePage.status), `console answers ${consolePage.status}`);
    for (const doc of Object.values(index.docs)) assert.ok(readFileSync(join(__dirname, '..', '..', doc), 'utf8').length > 0, doc);
  });
});
