import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { FakeMarketplace } from '../../src/simulate/fake-marketplace';
import { REPO_MAPPINGS } from '../helpers/backfill-fixtures';
import { runCli, startCli } from '../helpers/run-cli';

describe('appdirect-sync backfill and simulate-marketplace (CLI, as docs/backfill.md shows them)', function () {
  this.timeout(120_000);
  let dir: string;
  let market: FakeMarketplace;
  let config: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-backfill-cli-'));
    market = await FakeMarketplace.start({ clientId: 'demo-client', clientSecret: 'demo-secret', seed: { companies: 3, products: 2 } });
    writeFileSync(join(dir, 'secret'), 'demo-secret\n');
    config = writeConfig('local', 'demo', { baseUrl: market.url, requestsPerSecond: 0 });
  });

  /** A config file `<name>.yaml` with its own SQLite file and one source `source` reading the marketplace given. */
  function writeConfig(name: string, source: string, appdirectApi: Record<string, unknown>): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        environment: 'test',
        db: { filename: join(dir, name === 'local' ? 'sync.db' : `${name}.db`) },
        mappings: { dir: REPO_MAPPINGS },
        log: { level: 'warn', format: 'json' },
        sources: {
          [source]: {
            auth: { mode: 'none' },
            appdirectApi: { clientId: 'demo-client', clientSecretFile: join(dir, 'secret'), ...appdirectApi },
          },
        },
      }),
    );
    return file;
  }
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

  it('refuses a second backfill of the source while another instance runs one (its job lock), and runs once it is released', async () => {
    const db = new Database(join(dir, 'sync.db'));
    try {
      const until = new Date(Date.now() + 60_000).toISOString();
      db.prepare(
        "insert into job_locks (name, owner, locked_until) values ('backfill:demo', 'other-host:4242', ?) on conflict (name) do update set owner = excluded.owner, locked_until = excluded.locked_until",
      ).run(until);
      const refused = await runCli(['--config', config, 'backfill', '--source', 'demo', '--entity', 'company']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^BACKFILL_RUNNING: backfill:demo is running on another instance/m);
      assert.doesNotMatch(refused.stdout, /listed/, 'nothing was listed');
      db.prepare("update job_locks set owner = null, locked_until = null where name = 'backfill:demo'").run();
      const ran = await runCli(['--config', config, 'backfill', '--source', 'demo', '--entity', 'company']);
      assert.equal(ran.code, 0, ran.stderr);
      const lock = db.prepare("select owner, locked_until from job_locks where name = 'backfill:demo'").get();
      assert.deepEqual(lock, { owner: null, locked_until: null }, 'the run released its lock');
    } finally {
      db.close();
    }
  });

  it('Ctrl-C stops a backfill after its current page: exit 130, the lock released, the next run resumes', async () => {
    const slowMarket = await FakeMarketplace.start({ clientId: 'demo-client', clientSecret: 'demo-secret', seed: { companies: 25 } });
    // A page of one company at a time, eight requests a second: a listing of several seconds to interrupt.
    const slowConfig = writeConfig('slow', 'slow', { baseUrl: slowMarket.url, requestsPerSecond: 8, pageSize: 1, commitItems: 1 });
    try {
      const child = startCli(['--config', slowConfig, 'backfill', '--source', 'slow', '--entity', 'company']);
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString('utf8');
          if (/^company: listed 2\//m.test(stdout)) resolve();
        }),
      );
      child.kill('SIGINT');
      assert.equal(await exited, 130, stderr);
      assert.match(stderr, /^backfill interrupted; run it again to resume from the checkpoints$/m);
      const db = new Database(join(dir, 'slow.db'));
      try {
        assert.deepEqual(db.prepare("select owner from job_locks where name = 'backfill:slow'").get(), { owner: null });
      } finally {
        db.close();
      }
      const resumed = await runCli(['--config', slowConfig, 'backfill', '--source', 'slow', '--entity', 'company']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, /^company +listed 25, new \d+, unchanged 0, skipped 0 \(resumed at [1-9]\d*\)$/m);
    } finally {
      await slowMarket.close();
    }
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
    const child = startCli(['simulate-marketplace', '--port', '0', '--companies', '2']);
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
