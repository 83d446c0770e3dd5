import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { subscriptionDelivery } from './lib/appdirect-bodies';
import { startServiceProcess, type ServiceProcess } from './lib/service-process';
import { argValue } from './lib/bench-args';
import { peakRssMb } from './lib/peak-rss';
import { processCpuMs } from './lib/process-cpu';

/**
 * bench:ingest — the receiver (token auth, SQLite with synchronous=FULL, group commit) against a bare express
 * app that parses the same JSON and stores nothing, driven by the same load in the same run.
 * Usage: npm run bench:ingest [-- --seconds 10 --connections 50 --rounds 3 --with-worker --no-metrics | --compare-metrics]
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
  /** CPU the service process used per delivery during the timed drive (all its threads), in µs. */
  cpuUsPerRequest?: number;
}

async function drive(url: string, headers: Record<string, string>, pid?: number): Promise<Run> {
  let i = 0;
  const options = {
    url,
    method: 'POST' as const,
    connections,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: subscriptionDelivery(i++) }) }],
  };
  await autocannon({ ...options, duration: 1 }); // warm-up: JIT, page cache, WAL file
  const cpuBefore = processCpuMs(pid);
  const result = await autocannon({ ...options, duration: seconds });
  const cpuAfter = processCpuMs(pid);
  const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return {
    cpuUsPerRequest: cpuMs !== undefined && result.requests.total > 0 ? Math.round((cpuMs * 1000) / result.requests.total) : undefined,
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

interface Variant {
  name: string;
  metrics: boolean;
}

/** --compare-metrics serves two instances, metrics on and off, and drives both in every round (issue 13). */
const variants: Variant[] = process.argv.includes('--compare-metrics')
  ? [
      { name: 'metrics on', metrics: true },
      { name: 'metrics off', metrics: false },
    ]
  : [{ name: 'receiver', metrics }];

async function startReceiver(dir: string, variant: Variant) {
  const own = mkdtempSync(join(dir, 'svc-'));
  return startServiceProcess(
    own,
    {
      db: { client: 'sqlite', filename: join(own, 'bench.db') },
      sources: { bench: { auth: { mode: 'token', tokens: [{ name: 'bench', value: TOKEN }] } } },
      worker: { enabled: withWorker },
      metrics: { enabled: variant.metrics },
    },
    ['serve'],
    { keepOutput: false },
  );
}

function summary(variant: Variant, pairs: { base: Run; recv: Run }[], rssMb: number | undefined) {
  const ratioOf = (p: { base: Run; recv: Run }) => p.recv.reqPerSec / p.base.reqPerSec;
  const median = [...pairs].sort((a, b) => ratioOf(a) - ratioOf(b))[Math.floor(pairs.length / 2)] as { base: Run; recv: Run };
  return {
    bench: 'ingest',
    variant: variant.name,
    ratio: Number(ratioOf(median).toFixed(3)),
    p99_ms: median.recv.p99,
    receiver_req_s: Math.round(median.recv.reqPerSec),
    bare_req_s: Math.round(median.base.reqPerSec),
    receiver_p50_ms: median.recv.p50,
    bare_p99_ms: median.base.p99,
    // The service's CPU (all threads) per delivery in each round: steadier than a throughput on a shared machine.
    cpu_us_per_delivery: pairs.map((p) => p.recv.cpuUsPerRequest),
    receiver_errors: pairs.reduce((n, p) => n + p.recv.non2xx, 0),
    ratios: pairs.map((p) => Number(ratioOf(p).toFixed(3))),
    p99s_ms: pairs.map((p) => p.recv.p99),
    connections,
    seconds,
    with_worker: withWorker,
    metrics: variant.metrics,
    // The service's high-water mark over the whole run (all rounds, all its threads): issue 18's memory target.
    peak_rss_mb: rssMb,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  try {
    process.stderr.write(
      `bench:ingest ${connections} connections, ${seconds} s per drive, ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`,
    );
    const bare = await startBare();
    const services: { variant: Variant; svc: ServiceProcess; pairs: { base: Run; recv: Run }[]; rssMb?: number }[] = [];
    for (const variant of variants) services.push({ variant, svc: await startReceiver(dir, variant), pairs: [] });
    // Alternating drives, so a noisy neighbour hits both sides alike; each receiver is measured against the bare
    // drive just before it, and with several receivers their order turns every round. The median round is reported.
    for (let round = 1; round <= rounds; round++) {
      const order = services.map((_, i) => services[(i + round - 1) % services.length] as (typeof services)[number]);
      for (const s of order) {
        process.stderr.write(`round ${round}: bare express, then ${s.variant.name}...\n`);
        const base = await drive(bare.url, {});
        const recv = await drive(`${s.svc.url}/webhooks/bench`, { 'x-appdirect-webhook-token': TOKEN }, s.svc.child.pid);
        s.pairs.push({ base, recv });
        process.stdout.write(
          `round ${round}  bare ${base.reqPerSec.toFixed(0)} req/s p99 ${base.p99} ms | ${s.variant.name} ${recv.reqPerSec.toFixed(0)} req/s p50 ${recv.p50} ms p99 ${recv.p99} ms, errors ${recv.non2xx}, ${recv.cpuUsPerRequest ?? '?'} µs CPU per delivery | ratio ${(recv.reqPerSec / base.reqPerSec).toFixed(3)}\n`,
        );
      }
    }
    bare.stop();
    for (const s of services) {
      s.rssMb = peakRssMb(s.svc.child.pid); // read before the stop: the process's VmHWM goes with it
      s.svc.child.kill('SIGTERM');
      await s.svc.exited;
    }
    for (const s of services) process.stdout.write(`${JSON.stringify(summary(s.variant, s.pairs, s.rssMb))}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
