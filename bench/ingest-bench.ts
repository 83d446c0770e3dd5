import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { subscriptionDelivery } from './lib/appdirect-bodies';
import { startServiceProcess } from './lib/service-process';

/**
 * bench:ingest — the receiver (token auth, SQLite with synchronous=FULL, group commit) against a bare express
 * app that parses the same JSON and stores nothing, driven by the same load in the same run.
 * Usage: npm run bench:ingest [-- --seconds 10 --connections 50 --with-worker]
 */
const args = process.argv.slice(2);
const seconds = Number(argValue('--seconds') ?? 10);
const connections = Number(argValue('--connections') ?? 50);
/** By default the receiver alone, as specified; --with-worker also runs the in-process sync worker, as `serve` does. */
const withWorker = args.includes('--with-worker');
const TOKEN = 'bench-token-0123456789abcdef';

interface Run {
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  total: number;
}

async function drive(url: string, headers: Record<string, string>): Promise<Run> {
  let i = 0;
  const options = {
    url,
    method: 'POST' as const,
    connections,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: subscriptionDelivery(i++) }) }],
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, page cache, WAL file
  const result = await autocannon({ ...options, duration: seconds });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(__dirname, 'bare-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  return { url: `http://127.0.0.1:${port}/webhooks/bench`, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  try {
    process.stderr.write(`bench:ingest ${connections} connections, ${seconds} s each, ${cpus().length} cores (${cpus()[0]?.model})\n`);
    const bare = await startBare();
    process.stderr.write('driving the bare express baseline...\n');
    const base = await drive(bare.url, {});
    bare.stop();

    const svc = await startServiceProcess(dir, {
      db: { client: 'sqlite', filename: join(dir, 'bench.db') },
      sources: { bench: { auth: { mode: 'token', tokens: [{ name: 'bench', value: TOKEN }] } } },
      worker: { enabled: withWorker },
      ...(process.env.BENCH_LOG_LEVEL ? { log: { level: process.env.BENCH_LOG_LEVEL } } : {}),
    }, ['serve'], { keepOutput: false });
    process.stderr.write('driving the receiver...\n');
    const recv = await drive(`${svc.url}/webhooks/bench`, { 'x-appdirect-webhook-token': TOKEN });
    svc.child.kill('SIGTERM');
    await svc.exited;

    for (const [name, r] of [['bare express', base], ['receiver', recv]] as const) {
      process.stdout.write(`${name.padEnd(13)} ${r.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx/errors ${r.non2xx}  total ${r.total}\n`);
    }
    const line = {
      bench: 'ingest',
      ratio: Number((recv.reqPerSec / base.reqPerSec).toFixed(3)),
      p99_ms: recv.p99,
      receiver_req_s: Math.round(recv.reqPerSec),
      bare_req_s: Math.round(base.reqPerSec),
      receiver_p50_ms: recv.p50,
      bare_p99_ms: base.p99,
      receiver_errors: recv.non2xx,
      connections,
      seconds,
      with_worker: withWorker,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function argValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

void main();
