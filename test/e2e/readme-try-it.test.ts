import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/run-cli';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'appdirect-sync.js');

/** One shell command of the README's try-it block and the answer shown after it (`# …` lines). */
interface Step {
  words: string[];
  shown: string[];
}

/** The ```sh block after "Try it" in README.md, cut into commands (quotes, `\` continuations) and shown output. */
function tryItSteps(): Step[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /Try it[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README.md has a try-it block');
  const steps: Step[] = [];
  let i = 0;
  while (i < block.length) {
    if (block.startsWith('# ', i) || block.startsWith('#\n', i)) {
      const end = block.indexOf('\n', i);
      steps[steps.length - 1]?.shown.push(block.slice(i + 2, end));
      i = end + 1;
      continue;
    }
    const words: string[] = [];
    let word: string | undefined;
    for (; i < block.length; i++) {
      const c = block[i] as string;
      if (c === "'" || c === '"') {
        const close = block.indexOf(c, i + 1);
        word = (word ?? '') + block.slice(i + 1, close).replace(/\n\s*/g, '');
        i = close;
      } else if (c === '\\' && block[i + 1] === '\n') i++;
      else if (c === '#' && word === undefined) {
        i = block.indexOf('\n', i) - 1; // a comment to the end of the line
      } else if (c === ' ' || c === '\n') {
        if (word !== undefined) words.push(word);
        word = undefined;
        if (c === '\n') break;
      } else word = (word ?? '') + c;
    }
    i++;
    if (words.length > 0) steps.push({ words, shown: [] });
  }
  return steps;
}

/** The JSON a `# {…}` line shows (prose after it, set off by two spaces and a dash, is not part of it). */
function shownJson(line: string): unknown {
  return JSON.parse(line.split(/\s+—/)[0] as string);
}

describe('README: the try-it transcript is true (e2e, built dist, real service on a temp SQLite)', function () {
  this.timeout(120_000);
  let dir: string;
  let overlay: string;
  let service: ChildProcess;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-readme-'));
    overlay = join(dir, 'local.yaml');
    // config/default.yaml as shipped (its demo source) with only the database file and port moved out of the way.
    writeFileSync(overlay, stringify({ db: { filename: join(dir, 'readme.db') }, server: { port: 0 }, log: { format: 'json' } }));
    service = spawn(process.execPath, [BIN, '--config', overlay, 'serve'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    port = await new Promise<number>((resolve, reject) => {
      let err = '';
      service.stderr?.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /"port":(\d+).*"msg":"listening"/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      service.once('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
  });
  after(async () => {
    if (service.exitCode === null) {
      const exited = new Promise((r) => service.once('exit', r));
      service.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('every command answers what the README shows', async () => {
    const vars: Record<string, string> = {};
    const steps = tryItSteps();
    assert.ok(steps.length >= 6, `parsed ${steps.length} steps`);
    for (const step of steps) {
      let words = step.words.map((w) =>
        w.replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? '').replace('127.0.0.1:8080', `127.0.0.1:${port}`),
      );
      let assign: string | undefined;
      const m = /^(\w+)=\$\((.*)$/.exec(words.join(' '));
      if (m) {
        assign = m[1];
        words = (m[2] as string).replace(/\)$/, '').split(' | ')[0]!.split(' ');
      }
      const text = words[0] === 'curl' ? await curl(words.slice(1)) : await cli(words, step.shown);
      if (assign) vars[assign] = text.trim().split('\n').pop() ?? '';
      const json = step.shown.filter((l) => l.startsWith('{'));
      for (const line of step.shown) {
        // An answer shown in prose ("the same again answers {…}") is a step the reader takes that the transcript
        // lacks: it changed the ids that follow (a duplicate uses one up). Every answer shown is a command's own.
        assert.ok((line.match(/\{"status"/g) ?? []).length <= (line.startsWith('{') ? 1 : 0), `an answer without its command: ${line}`);
      }
      if (json.length > 0) assert.deepEqual(JSON.parse(text), shownJson(json[0] as string), words.join(' '));
      if (words.includes('/api/v1/changes?after=0') || words.some((w) => w.includes('/api/v1/changes'))) {
        const { changes } = JSON.parse(text) as { changes: { entity: string; key: string }[] };
        assert.deepEqual(
          changes.map((c) => [c.entity, c.key]),
          [['order', '123456789']],
          'the normalized order',
        );
      }
    }
  });

  /** `npx appdirect-sync …` on the service's database; a shown table is compared column by column, times aside. */
  async function cli(words: string[], shown: string[]): Promise<string> {
    assert.deepEqual(words.slice(0, 2), ['npx', 'appdirect-sync']);
    const table = shown.filter((l) => /^(ID|\d+)\s/.test(l));
    const normalize = (t: string) =>
      t
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'TIME')
        .replace(/ +/g, ' ')
        .trim();
    for (let tries = 0; ; tries++) {
      const r = await runCli(['--config', overlay, ...words.slice(2)]);
      assert.equal(r.code, 0, `${words.join(' ')}: ${r.stderr}`);
      if (table.length === 0) return r.stdout;
      // The worker inside serve applies deliveries a moment after they are accepted.
      if (normalize(r.stdout) === normalize(table.join('\n')) || tries >= 40) {
        assert.equal(normalize(r.stdout), normalize(table.join('\n')), words.join(' '));
        return r.stdout;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }
});

/** What `curl -s` with -X, -H, -d and --data-binary @file sends, and the body it prints. */
async function curl(args: string[]): Promise<string> {
  let method = 'GET';
  let url = '';
  let body: Buffer | undefined;
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-s') continue;
    else if (a === '-X') method = args[++i] as string;
    else if (a === '-H') {
      const [name, ...value] = (args[++i] as string).split(':');
      headers[(name as string).toLowerCase()] = value.join(':').trim();
    } else if (a === '-d' || a === '--data-binary') {
      const v = args[++i] as string;
      body = v.startsWith('@') ? readFileSync(join(ROOT, v.slice(1))) : Buffer.from(v);
      if (a === '-d') headers['content-type'] ??= 'application/x-www-form-urlencoded'; // as curl does
      if (method === 'GET') method = 'POST';
    } else url = a;
  }
  const res = await fetch(url, { method, headers, body });
  return res.text();
}
