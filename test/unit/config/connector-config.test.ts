import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/load-config';

describe('config: connectors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-connector-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an OAuth2 client secret from a _FILE variable and fills the defaults', () => {
    writeFileSync(
      join(dir, 'default.yaml'),
      'connectors:\n  crm:\n    type: http\n    mode: record\n    url: https://crm.example/api/sync/{entity}/{key}\n    schedule: "*/5 * * * *"\n' +
        '    auth: { type: oauth2, tokenUrl: https://login.crm.example/oauth2/token, clientId: appdirect-sync }\n',
    );
    writeFileSync(join(dir, 'secret'), 's3cret-from-file\n');
    const cfg = loadConfig({ configDir: dir, env: { APPDIRECT_SYNC__connectors__crm__auth__clientSecret_FILE: join(dir, 'secret') } });
    const crm = cfg.connectors.crm;
    assert.ok(crm?.type === 'http' && crm.auth.type === 'oauth2');
    assert.equal(crm.auth.clientSecret, 's3cret-from-file');
    assert.equal(crm.auth.refreshMarginSeconds, 60);
    assert.deepEqual([crm.method, crm.onDelete, crm.batchSize, crm.retry.attempts, crm.enabled], ['POST', 'delete', 100, 6, true]);
  });

  it('names each problem: a bad cron expression, a missing secret, an unknown type', () => {
    writeFileSync(
      join(dir, 'default.yaml'),
      'connectors:\n  crm:\n    type: http\n    mode: record\n    url: https://crm.example/{key}\n    schedule: "every 5 minutes"\n' +
        '    auth: { type: oauth2, tokenUrl: https://login.crm.example/token, clientId: x }\n  erp:\n    type: ftp\n  Bad Name:\n    type: file\n    dir: /tmp/x\n',
    );
    let problems: string[] = [];
    try {
      loadConfig({ configDir: dir, env: {} });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      problems = err.problems;
    }
    const text = problems.join('\n');
    assert.match(text, /connectors\.crm\.schedule: not a valid cron expression/);
    assert.match(text, /connectors\.crm\.auth\.clientSecret: Required/);
    assert.match(text, /connectors\.erp\.type: Invalid discriminator value/);
    assert.match(text, /connectors\.Bad Name: lowercase letters/);
  });
});
