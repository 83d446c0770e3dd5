import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { buildOpenApiDocument, openApiJson } from '../../src/compose/openapi-document';
import { CONSOLE_PATH } from '../../src/console/console-router';
import { runCli } from '../helpers/run-cli';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

const TOKEN = 'openapi-test-webhook-token';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  regexp?: RegExp & { fast_slash?: boolean };
}

/** A router mounted at `path` (app.use(path, router)), as opposed to one mounted at '/'. */
function mountedAt(layer: Layer, path: string): boolean {
  return !!layer.handle?.stack && !!layer.regexp && !layer.regexp.fast_slash && layer.regexp.test(path);
}

/**
 * Every route the express app answers, as "METHOD /path/{param}", found by walking its router stack. The one router
 * mounted at /console (the browser console, ADR 0034) is left out and its route count returned apart.
 */
function expressRoutes(app: Express): string[] {
  return walkRoutes(app).api;
}

function walkRoutes(app: Express): { api: string[]; consoleRoutes: number; otherMounts: number } {
  const found: string[] = [];
  let consoleRoutes = 0;
  let otherMounts = 0;
  const count = (stack: Layer[]): number => stack.reduce((n, l) => n + (l.route ? 1 : l.handle?.stack ? count(l.handle.stack) : 0), 0);
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (mountedAt(layer, CONSOLE_PATH)) {
        consoleRoutes += count(layer.handle?.stack ?? []);
        continue;
      }
      if (layer.handle?.stack && layer.regexp && !layer.regexp.fast_slash) otherMounts += 1;
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods)) {
            found.push(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack); // a Router mounted at '/' (the console's is apart)
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack);
  return { api: found.sort(), consoleRoutes, otherMounts };
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

  it('leaves out only the console, a browser UI mounted at /console, and says so (ADR 0034)', () => {
    const { api, consoleRoutes, otherMounts } = walkRoutes(server.runtime.app);
    assert.ok(consoleRoutes >= 10, `the console's pages were found under ${CONSOLE_PATH} (${consoleRoutes})`);
    assert.equal(otherMounts, 0, 'no other router is mounted under a path: its routes would print without their prefix');
    assert.ok(!api.some((r) => r.includes(CONSOLE_PATH)), 'no console page is outside the console router');
    assert.ok(!Object.keys(buildOpenApiDocument().paths ?? {}).some((p) => p.startsWith(CONSOLE_PATH)));
    assert.match(String(buildOpenApiDocument().info.description), /`\/console` is a browser UI/);
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
