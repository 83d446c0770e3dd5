import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { buildOpenApiDocument, openApiJson } from '../../src/compose/openapi-document';
import { runCli } from '../helpers/run-cli';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

const TOKEN = 'openapi-test-webhook-token';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the express app answers, as "METHOD /path/{param}", found by walking its router stack. */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods)) {
            found.push(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack); // a mounted Router: every router of this app is at '/'
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack);
  return found.sort();
}

function documentedRoutes(): string[] {
  const doc = buildOpenApiDocument();
  return Object.entries(doc.paths ?? {})
    .flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

// Issue 13: the OpenAPI document describes every route, is served at /openapi.json and written to docs/openapi.json.
describe('OpenAPI document', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      sources: {
        shop: { auth: { mode: 'token', tokens: [{ name: 'one', sha256: createHash('sha256').update(TOKEN).digest('hex') }] } },
      },
    });
  });
  after(() => server?.close());

  it('describes every route the express app serves, with its method, and nothing it does not serve', () => {
    const served = expressRoutes(server.runtime.app);
    assert.ok(served.length >= 20, `the router walk found the routes (${served.length})`);
    assert.deepEqual(documentedRoutes(), served);
  });

  it('is served at /openapi.json without authentication, equal to docs/openapi.json, with no secret of the instance', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync('docs/openapi.json', 'utf8')));
    const sha = createHash('sha256').update(TOKEN).digest('hex');
    assert.ok(!text.includes(TOKEN) && !text.includes(sha) && !text.includes('"shop"'), 'nothing of the config is in the document');
  });

  it('docs/openapi.json is the generated document (run `npm run openapi` after changing a route or a schema)', () => {
    assert.equal(readFileSync('docs/openapi.json', 'utf8'), openApiJson(), 'docs/openapi.json is stale: run `npm run openapi`');
  });

  it('`appdirect-sync openapi` prints the same document, without a config or a database', async () => {
    const { code, stdout } = await runCli(['openapi']);
    assert.equal(code, 0);
    assert.equal(stdout, readFileSync('docs/openapi.json', 'utf8'));
  });

  it('is a valid OpenAPI 3.1 document (the official JSON Schema of the specification)', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(openApiJson()));
    assert.equal(validator.version, '3.1');
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
    const broken = await new Validator().validate({ ...JSON.parse(openApiJson()), paths: { '/x': { get: { responses: { 200: {} } } } } });
    assert.equal(broken.valid, false, 'the validator catches a response without its description');
  });

  it('is OpenAPI 3.1 with a security scheme for API keys, the webhook modes and the token endpoint', () => {
    const doc = buildOpenApiDocument();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.components?.securitySchemes ?? {}).sort(), [
      'apiKey',
      'oauthClientBasic',
      'webhookJwt',
      'webhookOauth2',
      'webhookToken',
    ]);
    const changes = doc.paths?.['/api/v1/changes']?.get;
    assert.deepEqual(changes?.security, [{ apiKey: ['feed:read'] }]);
    assert.deepEqual(doc.paths?.['/openapi.json']?.get?.security, [], 'served without authentication');
    for (const scope of ['feed:read', 'records:read', 'metrics:read', 'admin:read', 'admin:write', 'admin']) {
      assert.match(String((doc.components?.securitySchemes?.apiKey as { description?: string }).description), new RegExp(scope));
    }
  });
});
