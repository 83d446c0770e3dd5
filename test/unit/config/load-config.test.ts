import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/load-config';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function problemsOf(fn: () => unknown): string[] {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems;
    }
    assert.fail('expected a ConfigError');
  }

  it('loads the shipped default config: SQLite under data/, localhost, 1 MiB limit', () => {
    const cfg = loadConfig({ configDir: join(__dirname, '..', '..', '..', 'config'), env: {} });
    assert.equal(cfg.db.client, 'sqlite');
    assert.equal(cfg.db.filename, 'data/appdirect-sync.db');
    assert.equal(cfg.server.host, '127.0.0.1');
    assert.equal(cfg.server.bodyLimitBytes, 1024 * 1024);
    assert.ok(Object.isFrozen(cfg.server));
  });

  it('lists every problem with its key', () => {
    writeFileSync(
      join(dir, 'default.yaml'),
      'server:\n  port: "eighty"\n  colour: blue\ndb:\n  client: oracle\nsources:\n  Shop!:\n    auth: { mode: token, tokens: [] }\n',
    );
    const problems = problemsOf(() => loadConfig({ configDir: dir, env: {} }));
    const text = problems.join('\n');
    assert.match(text, /server\.port: /);
    assert.match(text, /server: Unrecognized key.*colour/);
    assert.match(text, /db\.client: /);
    assert.match(text, /sources\.Shop!/);
    assert.ok(problems.length >= 4, text);
  });

  it('refuses auth mode none in production', () => {
    writeFileSync(join(dir, 'default.yaml'), 'environment: production\nsources:\n  open:\n    auth: { mode: none }\n');
    const problems = problemsOf(() => loadConfig({ configDir: dir, env: {} }));
    assert.deepEqual(problems, ['sources.open.auth.mode: auth mode none is refused when environment is production']);
  });

  it('takes overrides and *_FILE secrets from the environment, never echoing a secret in an error', () => {
    writeFileSync(
      join(dir, 'default.yaml'),
      'sources:\n  shop:\n    auth: { mode: token, tokens: [{ name: a, value: placeholder-0123456789 }] }\n',
    );
    const secretFile = join(dir, 'token.txt');
    writeFileSync(secretFile, 'from-file-secret-0123456789\n');
    const cfg = loadConfig({
      configDir: dir,
      env: {
        APPDIRECT_SYNC__server__port: '9123',
        APPDIRECT_SYNC__sources__shop__auth__tokens__0__value_FILE: secretFile,
        DATABASE_URL: 'postgres://localhost/x',
      },
    });
    assert.equal(cfg.server.port, 9123);
    const auth = cfg.sources.shop?.auth;
    assert.ok(auth?.mode === 'token');
    assert.equal(auth.tokens[0]?.value, 'from-file-secret-0123456789');
    assert.equal(auth.tokens[0]?.name, 'a');
    assert.equal(cfg.db.url, 'postgres://localhost/x');

    writeFileSync(secretFile, 'short');
    const problems = problemsOf(() =>
      loadConfig({ configDir: dir, env: { APPDIRECT_SYNC__sources__shop__auth__tokens__0__value_FILE: secretFile } }),
    );
    assert.equal(problems.length, 1);
    assert.doesNotMatch(problems[0] ?? '', /short/);
  });

  it('makes the CLI exit non-zero with the list on an invalid config', () => {
    writeFileSync(join(dir, 'default.yaml'), 'server:\n  port: -1\nlog:\n  level: loud\n');
    const bin = join(__dirname, '..', '..', '..', 'bin', 'appdirect-sync.js');
    const run = spawnSync(process.execPath, [bin, '--config-dir', dir, 'serve'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /server\.port/);
    assert.match(run.stderr, /log\.level/);
  });

  it('a file that names sources or connectors replaces the set before it; other keys merge key by key', () => {
    writeFileSync(
      join(dir, 'default.yaml'),
      'server: { port: 8080 }\nsources:\n  demo:\n    auth: { mode: none }\nconnectors:\n  a: { type: file, dir: /tmp/a }\n',
    );
    const over = join(dir, 'production.yaml');
    writeFileSync(
      over,
      'environment: production\nserver: { host: 0.0.0.0 }\nsources:\n  shop:\n    auth: { mode: oauth2 }\nconnectors:\n  b: { type: file, dir: /tmp/b }\n',
    );
    const cfg = loadConfig({ configDir: dir, files: [over], env: {} });
    assert.deepEqual(Object.keys(cfg.sources), ['shop']);
    assert.deepEqual(Object.keys(cfg.connectors), ['b']);
    assert.deepEqual([cfg.server.host, cfg.server.port], ['0.0.0.0', 8080]);
  });

  it('only: validates the named sections and leaves the others at their defaults', () => {
    writeFileSync(join(dir, 'default.yaml'), 'db: { filename: x.db }\nserver: { port: -1 }\nconnectors:\n  crm: { type: http }\n');
    assert.throws(() => loadConfig({ configDir: dir, env: {} }), ConfigError);
    const cfg = loadConfig({ configDir: dir, env: {}, only: ['db'] });
    assert.equal(cfg.db.filename, 'x.db');
    assert.deepEqual([cfg.server.port, cfg.connectors], [8080, {}]);
    assert.throws(() => loadConfig({ configDir: dir, env: {}, only: ['db', 'connectors.crm'] }), /connectors\.crm\.mode/);
  });
});
