import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { subscriptionDelivery } from './lib/appdirect-bodies';
import { startServiceProcess } from './lib/service-process';
import { argValue } from './lib/bench-args';

/**
 * bench:ingest — the receiver (token auth, SQLite with synchronous=FULL, group commit) against a bare express
 * app that parses the same JSON and stores nothing, driven by the same load in the same run.
 * Usage: npm run bench:ingest [-- --seconds 10 --connections 50 --rounds 3 --with-worker --no-metrics]
 */
const seconds = Number(argValue('--seconds') ?? 10);
const connections = Number(argValue('--connections') ?? 50);
/** By default the receiver alone, as specified; --with-worker also runs the in-process sync worker, as `serve` does. */
const withWorker = process.argv.includes('--with-worker');
/** --no-metrics serves with metrics.enabled false: the cost of the request timer and counters (issue 13). */
const metrics = !process.argv.includes('--no-metrics');
const rounds = Number(argValue('--rounds') ?? 3);
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
  await autocannon({ ...options, duration: 1 }); // warm-up: JIT, page cache, WAL file
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
    process.stderr.write(
      `bench:ingest ${connections} connections, ${seconds} s per drive, ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`,
    );
    const bare = await startBare();
    const svc = await startServiceProcess(
      dir,
      {
        db: { client: 'sqlite', filename: join(dir, 'bench.db') },
        sources: { bench: { auth: { mode: 'token', tokens: [{ name: 'bench', value: TOKEN }] } } },
        worker: { enabled: withWorker },
        metrics: { enabled: metrics },
      },
      ['serve'],
      { keepOutput: false },
    );
    // Alternating drives, so a noisy neighbour hits both sides alike; the median round is reported.
    const pairs: { base: Run; recv: Run }[] = [];
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`round ${round}: bare express, then the receiver...\n`);
      const base = await drive(bare.url, {});
      const recv = await drive(`${svc.url}/webhooks/bench`, { 'x-appdirect-webhook-token': TOKEN });
      pairs.push({ base, recv });
      process.stdout.write(
        `round ${round}  bare ${base.reqPerSec.toFixed(0)} req/s p99 ${base.p99} ms | receiver ${recv.reqPerSec.toFixed(0)} req/s p50 ${recv.p50} ms p99 ${recv.p99} ms, errors ${recv.non2xx} | ratio ${(recv.reqPerSec / base.reqPerSec).toFixed(3)}\n`,
      );
    }
    bare.stop();
    svc.child.kill('SIGTERM');
    await svc.exited;

    const median = [...pairs].sort((a, b) => a.recv.reqPerSec / a.base.reqPerSec - b.recv.reqPerSec / b.base.reqPerSec)[
      Math.floor(pairs.length / 2)
    ] as { base: Run; recv: Run };
    const line = {
      bench: 'ingest',
      ratio: Number((median.recv.reqPerSec / median.base.reqPerSec).toFixed(3)),
      p99_ms: median.recv.p99,
      receiver_req_s: Math.round(median.recv.reqPerSec),
      bare_req_s: Math.round(median.base.reqPerSec),
      receiver_p50_ms: median.recv.p50,
      bare_p99_ms: median.base.p99,
      receiver_errors: pairs.reduce((n, p) => n + p.recv.non2xx, 0),
      ratios: pairs.map((p) => Number((p.recv.reqPerSec / p.base.reqPerSec).toFixed(3))),
      connections,
      seconds,
      with_worker: withWorker,
      metrics,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
