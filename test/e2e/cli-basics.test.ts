import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/run-cli';

const ROOT = join(__dirname, '..', '..');

describe('CLI and repository basics a new user meets first', function () {
  this.timeout(60_000);

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('clients and users errors print their code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-cli-basics-'));
    try {
      const config = join(dir, 'cli.yaml');
      writeFileSync(
        config,
        stringify({ environment: 'test', db: { filename: join(dir, 'x.db') }, sources: { shop: { auth: { mode: 'none' } } } }),
      );
      const users = await runCli(['--config', config, 'users', 'add', '--source', 'shop', '--username', 'u']);
      assert.equal(users.code, 1);
      assert.match(users.stderr, /^AUTH_SOURCE_NOT_OAUTH2: /m);
      const clients = await runCli(['--config', config, 'clients', 'revoke', 'nope']);
      assert.match(clients.stderr, /^AUTH_CLIENT_NOT_FOUND: /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('config/local.yaml is ignored by git', () => {
    assert.equal(execFileSync('git', ['check-ignore', 'config/local.yaml'], { cwd: ROOT, encoding: 'utf8' }).trim(), 'config/local.yaml');
  });

  it('no tracked file cites a path outside the repository', () => {
    const grep = spawnSync('git', ['grep', '-l', '-e', '/work/shared', '--', ':!test/e2e/cli-basics.test.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(grep.status, 1, `cited in: ${grep.stdout}`); // git grep: 1 = no match
  });
});
