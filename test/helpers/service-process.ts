import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const BIN = join(__dirname, '..', '..', 'bin', 'appdirect-sync.js');

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
export async function startServiceProcess(dir: string, config: Record<string, unknown>, args: string[] = ['serve']): Promise<ServiceProcess> {
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify({ environment: 'test', server: { host: '127.0.0.1', port: 0 }, ...config }));
  const child = spawn(process.execPath, [BIN, '--config-dir', dir, '--config', configFile, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 15_000);
    const onData = () => {
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`service exited before listening:\n${out}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}
