import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

// From bench/lib in the source tree and from dist/bench/lib alike, bin/ is found by walking up.
const BIN = findBin(__dirname);

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts the built CLI (`appdirect-sync serve`) as its own process with a config file written into `dir`,
 * on a free port, and resolves once it logs that it is listening.
 */
export async function startServiceProcess(
  dir: string,
  config: Record<string, unknown>,
  args: string[] = ['serve'],
  options: { keepOutput?: boolean } = {},
): Promise<ServiceProcess> {
  const configFile = join(dir, 'config.yaml');
  // The process runs in `dir`; unless told otherwise it uses the shipped mappings of this checkout.
  const mappings = { dir: join(BIN, '..', '..', 'mappings') };
  writeFileSync(configFile, stringify({ environment: 'test', server: { host: '127.0.0.1', port: 0 }, mappings, ...config }));
  const child = spawn(
    process.execPath,
    [...startScriptNodeArgs(), ...serviceNodeArgs(), BIN, '--config-dir', dir, '--config', configFile, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    },
  );
  let out = '';
  let listening = false;
  // A benchmark drops the per-request log lines once the service is up, rather than hold them all in memory.
  const collect = (d: Buffer) => {
    if (!listening || options.keepOutput !== false) out += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started service behind
      reject(new Error(`service did not start:\n${out}`));
    }, 15_000);
    const onData = () => {
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (m && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData); // logs go to stderr
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`service exited before listening:\n${out}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/**
 * The Node.js flags of package.json's `start` script (`node <flags> bin/appdirect-sync.js serve`), so that the service
 * a bench starts runs with the heap settings `npm start` gives it (docs/adr/0039-service-memory.md).
 */
export function startScriptNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(BIN, '..', '..', 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const m = /\bnode\s+(.*?)\s*bin\/appdirect-sync\.js/.exec(pkg.scripts?.start ?? '');
  return (m?.[1] ?? '').split(/\s+/).filter((a) => a.startsWith('--'));
}

/**
 * Node.js flags for the service process only (not the load generator), from BENCH_SERVICE_NODE_ARGS, space-separated:
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the service, or a V8 heap flag to measure it alone.
 */
function serviceNodeArgs(): string[] {
  return (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}

function findBin(from: string): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'bin', 'appdirect-sync.js');
    if (existsSync(candidate)) return candidate;
    dir = join(dir, '..');
  }
  throw new Error('bin/appdirect-sync.js not found above ' + from);
}
