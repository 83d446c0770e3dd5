import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { newApiKey } from '../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../src/auth/knex-api-key-store';
import { configSchema } from '../src/config/config-schema';
import { createKnex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { buildRuntime } from '../src/main';
import { changeTemplates, preloadChanges } from './lib/preload-changes';
import { argValue } from './lib/bench-args';

/**
 * bench:feed — read N pre-loaded changes (five entities, real mapped data) through the HTTP change feed of the
 * real service (SQLite, pages of `--page`, following next_cursor over one keep-alive connection), against the
 * floor: one prepared `select * from changes order by seq` on better-sqlite3 that also parses each row's data, in
 * the same run. Prints figures, then one JSON line {"bench":"feed","ratio":…}. Target: ratio ≥ 0.3.
 * Usage: npm run bench:feed [-- --changes 100000 --page 1000 --rounds 3]
 */
const total = Number(argValue('--changes') ?? 100_000);
const page = Number(argValue('--page') ?? 1000);
const rounds = Number(argValue('--rounds') ?? 3);
const ROOT = join(__dirname, '..', '..');

interface Pass {
  perSec: number;
  rows: number;
  seqSum: number;
}

/** The floor: every row in one prepared query, each row's data parsed, as a consumer reading SQL would. */
function directSql(filename: string): Pass {
  const db = new Database(filename, { readonly: true });
  try {
    const select = db.prepare('select * from changes order by seq');
    const started = process.hrtime.bigint();
    let rows = 0;
    let seqSum = 0;
    let keys = 0;
    for (const row of select.all() as Array<{ seq: number; data: string }>) {
      keys += Object.keys(JSON.parse(row.data) as object).length;
      seqSum += row.seq;
      rows++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (keys === 0) throw new Error('no data read');
    return { perSec: rows / seconds, rows, seqSum };
  } finally {
    db.close();
  }
}

/** A connector's loop: page after page from cursor 0 until an empty page, every response body parsed. */
async function viaFeed(url: string, key: string): Promise<Pass & { bytes: number }> {
  const started = process.hrtime.bigint();
  let after = '0';
  let rows = 0;
  let seqSum = 0;
  let bytes = 0;
  for (;;) {
    const res = await fetch(`${url}/api/v1/changes?after=${after}&limit=${page}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    bytes += text.length;
    const body = JSON.parse(text) as { changes: Array<{ cursor: string; data: object }>; next_cursor: string };
    if (body.changes.length === 0) break;
    for (const c of body.changes) seqSum += Number(c.cursor);
    rows += body.changes.length;
    after = body.next_cursor;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSec: rows / seconds, rows, seqSum, bytes };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-feed-'));
  const filename = join(dir, 'feed.db');
  try {
    process.stderr.write(`bench:feed ${total} changes, page ${page}, ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`);
    const migrate = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
    await migrateLatest(migrate);
    await migrate.destroy();
    const loaded = preloadChanges(filename, await changeTemplates(ROOT), total);
    process.stderr.write(`pre-loaded, data ${loaded.avgDataBytes.toFixed(0)} bytes on average\n`);

    const config = configSchema.parse({
      environment: 'test',
      server: { host: '127.0.0.1', port: 0 },
      db: { client: 'sqlite', filename },
      mappings: { dir: join(ROOT, 'mappings') },
      worker: { enabled: false },
    });
    const runtime = await buildRuntime(config, { logger: pino({ level: 'warn' }) });
    const address = await runtime.listen();
    const url = `http://127.0.0.1:${address.port}`;
    const k = newApiKey();
    await new KnexApiKeyStore(runtime.db).create({ id: k.id, name: 'bench', keySha256: k.keySha256, scopes: ['feed:read'] }, new Date());

    const direct: Pass[] = [];
    const feed: Array<Pass & { bytes: number }> = [];
    for (let r = 0; r < rounds; r++) {
      direct.push(directSql(filename));
      feed.push(await viaFeed(url, k.key));
      process.stderr.write(
        `  round ${r + 1}: direct ${direct[r]?.perSec.toFixed(0)} rows/s, feed ${feed[r]?.perSec.toFixed(0)} changes/s\n`,
      );
    }
    await runtime.stop();
    for (const p of [...direct, ...feed]) {
      if (p.rows !== total || p.seqSum !== (total * (total + 1)) / 2)
        throw new Error(`a pass read ${p.rows} rows (seq sum ${p.seqSum}), not all ${total}`);
    }
    const d = median(direct.map((p) => p.perSec));
    const f = median(feed.map((p) => p.perSec));
    process.stdout.write(`direct SQL  ${d.toFixed(0).padStart(8)} rows/s (prepared select, data parsed)\n`);
    process.stdout.write(
      `HTTP feed   ${f.toFixed(0).padStart(8)} changes/s (pages of ${page}, ${((feed[0]?.bytes ?? 0) / total).toFixed(0)} bytes per change on the wire)\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'feed', changes_per_s: Math.round(f), ratio: Number((f / d).toFixed(3)), direct_sql_rows_per_s: Math.round(d), changes: total, page, rounds, avg_data_bytes: Math.round(loaded.avgDataBytes) })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
