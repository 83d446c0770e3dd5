import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/load-config';
import { buildRuntime } from '../../src/main';
import { TEST_DATABASE_URL } from '../helpers/test-databases';

const ROOT = join(__dirname, '..', '..');

/** The first ```yaml block of docs/deployment.md, as a reader copies it. */
function deploymentExample(): string {
  const doc = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');
  const match = /```yaml\n([\s\S]*?)```/.exec(doc);
  assert.ok(match?.[1], 'docs/deployment.md has a yaml example');
  return match[1];
}

describe('docs/deployment.md: the production configuration starts (e2e, PostgreSQL)', function () {
  this.timeout(60_000);
  let dir: string;
  const schema = `appdirect_test_deploy_${process.pid}`;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-deploy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads over config/default.yaml (its demo source gone), migrates, serves only the sources it names', async () => {
    const file = join(dir, 'production.yaml');
    writeFileSync(file, deploymentExample());
    // The secret comes from the environment as the document says; the schema and port only keep parallel runs apart.
    const env = { DATABASE_URL: TEST_DATABASE_URL, APPDIRECT_SYNC__db__schema: schema, PORT: '0', HOST: '127.0.0.1' };
    const config = loadConfig({ configDir: join(ROOT, 'config'), files: [file], env });
    assert.equal(config.environment, 'production');
    assert.deepEqual(Object.keys(config.sources), ['acme-marketplace']);

    const runtime = await buildRuntime(config, { logger: pino({ level: 'silent' }) });
    try {
      const { port } = await runtime.listen();
      const url = `http://127.0.0.1:${port}`;
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const post = (source: string) =>
        fetch(`${url}/webhooks/${source}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal((await post('demo')).status, 404, 'the demo source of default.yaml is not served');
      assert.equal((await post('acme-marketplace')).status, 401, 'the token source asks for its token');
    } finally {
      await runtime.db.raw('drop schema if exists ?? cascade', [schema]).catch(() => undefined);
      await runtime.stop();
    }
  });
});
