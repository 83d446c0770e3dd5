import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/run-cli';

describe('CLI: a command validates the config it uses', function () {
  this.timeout(60_000);
  let dir: string;
  let configFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-cli-uses-'));
    configFile = join(dir, 'cli.yaml');
    // A connector whose OAuth2 secret lives only in the connector's own environment (not in this shell).
    const crm = {
      type: 'http',
      mode: 'batch',
      url: 'https://crm.example/sync',
      auth: { type: 'oauth2', tokenUrl: 'https://crm.example/token', clientId: 'sync' },
    };
    writeFileSync(
      configFile,
      stringify({ environment: 'test', db: { client: 'sqlite', filename: join(dir, 'cli.db') }, connectors: { crm } }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('events list, migrate and api-keys list run without a connector secret they never read', async () => {
    for (const args of [['migrate'], ['events', 'list'], ['api-keys', 'list']]) {
      const r = await runCli(['--config', configFile, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /clientSecret/);
    }
  });

  it('connectors run crm still refuses to start without the secret, naming the key', async () => {
    const r = await runCli(['--config', configFile, 'connectors', 'run', 'crm']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /connectors\.crm\.auth\.clientSecret: Required/);
  });
});
