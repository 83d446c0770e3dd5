/**
 * `npm run bench:mapping`: how fast the shipped mappings normalize realistic deliveries, against the floor every
 * delivery pays anyway (JSON.parse of the same bodies), measured in the same run. Prints figures, then one JSON
 * line {"bench":"mapping","ratio":…}. Target: ratio ≥ 0.6. Never part of `npm test`'s pass/fail.
 *
 * The bodies are every fixture of the five types but REMOVED (no content): the documented shapes and the older
 * ones. `BENCH_BASELINE_MAPPINGS=<dir>` also times another mappings folder (say the files of an earlier release,
 * from `git show`) on the same bodies in the same run, as `baselineRatio`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMappingsSync, type CompiledMapping } from '../src/mapping';

const ROOT = join(__dirname, '..', '..');
const TYPES = ['company', 'invoice', 'lead', 'order', 'subscription'];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 400);

interface Sample {
  type: string;
  body: string;
  mapping: CompiledMapping;
}

function samples(dir = join(ROOT, 'mappings')): Sample[] {
  const { mappings, problems } = loadMappingsSync(dir);
  if (problems.length > 0) throw new Error(`mappings do not load: ${JSON.stringify(problems)}`);
  const out: Sample[] = [];
  for (const type of TYPES) {
    const folder = join(ROOT, 'mappings', 'fixtures', type);
    for (const file of readdirSync(folder)
      .filter((n) => n.endsWith('.json') && n !== 'removed.json')
      .sort()) {
      const body = readFileSync(join(folder, file), 'utf8');
      const parsed = JSON.parse(body) as { resource: { type: string } };
      const mapping = mappings.find((m) => m.resourceTypes.includes(parsed.resource.type));
      if (!mapping) throw new Error(`no mapping for ${parsed.resource.type}`);
      out.push({ type, body: JSON.stringify(parsed), mapping }); // compact, as AppDirect sends it
    }
  }
  return out;
}

/** Runs `fn` over all samples repeatedly for at least MIN_MS; returns operations per second. */
async function rate(all: Sample[], fn: (s: Sample, parsed: unknown) => unknown, parsedBodies: unknown[]): Promise<number> {
  let ops = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < MIN_MS) {
    for (let i = 0; i < all.length; i++) {
      let r = fn(all[i] as Sample, parsedBodies[i]);
      if (r instanceof Promise) r = await r;
      if (r) sink++;
    }
    ops += all.length;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  if (sink === 0) throw new Error('nothing ran');
  return ops / (elapsedMs / 1000);
}

async function main(): Promise<void> {
  const all = samples();
  const parsedBodies = all.map((s) => JSON.parse(s.body) as unknown);
  for (const [i, s] of all.entries()) {
    const r = await s.mapping.map(parsedBodies[i]);
    if (!r.ok) throw new Error(`${s.type} fixture does not map: ${JSON.stringify(r.errors)}`);
  }
  const parse = (s: Sample) => JSON.parse(s.body) as unknown;
  const map = (s: Sample, parsed: unknown) => {
    const r = s.mapping.map(parsed);
    return r instanceof Promise ? r.then((x) => x.ok) : r.ok;
  };
  const baselineDir = process.env.BENCH_BASELINE_MAPPINGS;
  const baseline = baselineDir ? samples(baselineDir) : undefined;
  const parseRates: number[] = [];
  const mapRates: number[] = [];
  const baselineRates: number[] = [];
  await rate(all, parse, parsedBodies); // warm-up
  await rate(all, map, parsedBodies);
  if (baseline) await rate(baseline, map, parsedBodies);
  for (let round = 0; round < ROUNDS; round++) {
    parseRates.push(await rate(all, parse, parsedBodies));
    mapRates.push(await rate(all, map, parsedBodies));
    if (baseline) baselineRates.push(await rate(baseline, map, parsedBodies));
  }
  const perType: Record<string, number> = {};
  for (const type of TYPES) {
    const subset = all.filter((s) => s.type === type);
    perType[type] = Math.round(
      await rate(
        subset,
        map,
        subset.map((s) => JSON.parse(s.body) as unknown),
      ),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const parsePerSec = median(parseRates);
  const mappedPerSec = median(mapRates);
  const bytes = Math.round(all.reduce((n, s) => n + s.body.length, 0) / all.length);
  process.stdout.write(`deliveries: ${all.length} bodies (${bytes} bytes on average), ${ROUNDS} rounds of ≥${MIN_MS} ms\n`);
  process.stdout.write(`JSON.parse: ${Math.round(parsePerSec)} /s\nmapped:     ${Math.round(mappedPerSec)} /s\n`);
  const baselinePerSec = baseline ? median(baselineRates) : undefined;
  if (baselinePerSec !== undefined) process.stdout.write(`baseline:   ${Math.round(baselinePerSec)} /s (${baselineDir})\n`);
  for (const [type, r] of Object.entries(perType)) process.stdout.write(`  ${type.padEnd(13)} ${r} /s\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'mapping',
      ratio: Number((mappedPerSec / parsePerSec).toFixed(3)),
      mappedPerSec: Math.round(mappedPerSec),
      jsonParsePerSec: Math.round(parsePerSec),
      ...(baselinePerSec !== undefined ? { baselineRatio: Number((baselinePerSec / parsePerSec).toFixed(3)) } : {}),
      avgBodyBytes: bytes,
      perType,
      node: process.version,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
