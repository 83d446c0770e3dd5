import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'appdirect-sync.js');

/** Runs the built dist: `npm run build` first (npm test does). */
describe('npm start, signals and where logs go (e2e, built dist)', function () {
  this.timeout(60_000);
  let dir: string;
  const config = (log: Record<string, unknown>) => {
    const file = join(dir, `c-${Object.values(log).join('-')}.yaml`);
    writeFileSync(file, stringify({ environment: 'test', server: { port: 0 }, db: { filename: join(dir, 'x.db') }, log }));
    return file;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-npm-start-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM to `npm start` stops the service itself: its port closes and npm exits 0', async () => {
    const npm = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, APPDIRECT_SYNC_CONFIG: config({ format: 'json' }) } });
    let stdout = '';
    let stderr = '';
    npm.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      npm.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const m = /"port":(\d+).*"msg":"listening"/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      npm.once('exit', () => reject(new Error(`npm start exited early: ${stderr}`)));
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    npm.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens any more: the node server stopped too');
    assert.match(stderr, /"msg":"stopped"/);
    assert.doesNotMatch(stdout, /"level"/, 'no log line on stdout');
  });

  it('worker --once logs to stderr only, and counts where the claimed events ended', () => {
    const r = spawnSync(process.execPath, [BIN, '--config', config({ level: 'debug' }), 'worker', '--once'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'claimed 0 event(s): 0 done, 0 stale, 0 failed, 0 unmapped, 0 to retry later\n');
    assert.match(r.stderr, /"level":/);
  });

  it('log.format pretty writes lines for people; auto is JSON when stderr is not a terminal', () => {
    const pretty = spawnSync(process.execPath, [BIN, '--config', config({ format: 'pretty' }), 'worker', '--once'], { encoding: 'utf8' });
    assert.equal(pretty.status, 0, pretty.stderr);
    assert.match(pretty.stderr, /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN)/m);
    assert.doesNotMatch(pretty.stderr, /^\{"level"/m);
    const auto = spawnSync(process.execPath, [BIN, '--config', config({ format: 'auto' }), 'worker', '--once'], { encoding: 'utf8' });
    assert.match(auto.stderr, /^\{"level"/m);
  });
});
