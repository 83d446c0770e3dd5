import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeMarketplace } from '../../src/simulate/fake-marketplace';
import { REPO_MAPPINGS } from '../helpers/backfill-fixtures';
import { runCli } from '../helpers/run-cli';

const ROOT = join(__dirname, '..', '..');

describe('appdirect-sync backfill and simulate-marketplace (CLI, as docs/backfill.md shows them)', function () {
  this.timeout(120_000);
  let dir: string;
  let market: FakeMarketplace;
  let config: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-backfill-cli-'));
    market = await FakeMarketplace.start({ clientId: 'demo-client', clientSecret: 'demo-secret', seed: { companies: 3, products: 2 } });
    config = join(dir, 'local.yaml');
    const appdirectApi = { baseUrl: market.url, clientId: 'demo-client', clientSecretFile: join(dir, 'secret'), requestsPerSecond: 0 };
    writeFileSync(join(dir, 'secret'), 'demo-secret\n');
    writeFileSync(
      config,
      stringify({
        environment: 'test',
        db: { filename: join(dir, 'sync.db') },
        mappings: { dir: REPO_MAPPINGS },
        log: { level: 'warn', format: 'json' },
        sources: { demo: { auth: { mode: 'none' }, appdirectApi } },
      }),
    );
  });
  after(async () => {
    await market.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backfills every entity with plain progress lines and a summary; a second run adds nothing', async () => {
    const first = await runCli(['--config', config, 'backfill', '--source', 'demo']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^company: listed 3\/3, new 3$/m);
    assert.match(first.stdout, /^company +listed 3, new 3, unchanged 0, skipped 0$/m);
    assert.match(first.stdout, /^membership +listed 6, new 6, unchanged 0, skipped 0$/m);
    assert.match(first.stdout, /^catalog_product +listed 2, new 2, unchanged 0, skipped 0$/m);
    assert.match(first.stdout, /^backfill done: 26 listed in /m);
    assert.doesNotMatch(first.stderr, /demo-secret/);

    const again = await runCli(['--config', config, 'backfill', '--source', 'demo', '--entity', 'company,user']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^company +listed 3, new 0, unchanged 3, skipped 0$/m);
    assert.match(again.stdout, /^user +listed 6, new 0, unchanged 6, skipped 0$/m);

    const events = await runCli(['--config', config, 'events', 'list', '--status', 'failed']);
    assert.equal(events.code, 0, events.stderr);
    assert.doesNotMatch(events.stdout, /snapshot:/, 'no backfilled item failed its mapping');
  });

  it('names the entities it knows when given another, and a source without appdirectApi', async () => {
    const unknown = await runCli(['--config', config, 'backfill', '--source', 'demo', '--entity', 'company,lead']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^BACKFILL_UNKNOWN_ENTITY: unknown entity "lead"/m);
    const unconfigured = await runCli(['--config', config, 'backfill', '--source', 'shop']);
    assert.equal(unconfigured.code, 1);
    assert.match(unconfigured.stderr, /^APPDIRECT_API_NOT_CONFIGURED: source "shop" has no appdirectApi section/m);
  });

  it('lists the reconcile job, runs it on demand and prints its findings', async () => {
    const list = await runCli(['--config', config, 'jobs', 'list']);
    assert.match(list.stdout, /^reconcile:demo {2}on demand$/m);
    const run = await runCli(['--config', config, 'jobs', 'run', 'reconcile:demo']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^reconcile:demo: 3 company listed \(full\)$/m);
    assert.match(run.stdout, /^reconcile:demo: 0 company missing locally$/m);
  });

  it('simulate-marketplace serves a marketplace a backfill can read, until SIGINT', async () => {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', join(ROOT, 'test', 'helpers', 'cli-entry.ts'), 'simulate-marketplace', '--port', '0', '--companies', '2'],
      {
        cwd: ROOT,
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          const m = /fake marketplace on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.on('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      const token = await fetch(`${url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=ROLE_PARTNER_READ',
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      const page = await fetch(`${url}/api/account/v2/companies?page=0&size=10`, {
        headers: { authorization: `Bearer ${token.access_token}` },
      }).then((r) => r.json() as Promise<{ content: unknown[]; page: { totalElements: number } }>);
      assert.equal(page.page.totalElements, 2);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    }
  });
});
