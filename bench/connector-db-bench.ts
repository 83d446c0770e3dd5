import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../src/compose/container';
import { configSchema } from '../src/config/config-schema';
import { consumerNameOf } from '../src/connectors/connector';
import type { DestinationRow } from '../src/connectors/destination-table-store';
import { columnTypeOf, destinationRecord } from '../src/connectors/knex-destination-table-store';
import type { ShapeColumn } from '../src/connectors/record-shapes';
import { createDestinationKnex, type DestinationOptions } from '../src/db/create-destination-knex';
import { createKnex, type Knex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { loadMappingsSync } from '../src/mapping';
import { argValue } from './lib/bench-args';
import { changeTemplates, preloadChanges } from './lib/preload-changes';

/**
 * bench:connector-db — the database connector writing N pre-loaded changes (five entities, real mapped data, each
 * record changed several times, tombstones included) from the service's SQLite feed into typed tables of
 * PostgreSQL and of MariaDB, against the floor: a plain batched insert of the same rows (every change, already
 * converted, no version check, no feed read) into a table of the same columns in the same database, in the same
 * run. Rounds alternate; medians. Prints figures, then one JSON line per engine {"bench":"connector-db",…}.
 * Target: ratio ≥ 0.5 on both engines.
 * Usage: npm run bench:connector-db [-- --changes 20000 --batch 500 --rounds 3 --engines pg,mariadb]
 */
const total = Number(argValue('--changes') ?? 20_000);
const batch = Number(argValue('--batch') ?? 500);
const rounds = Number(argValue('--rounds') ?? 3);
const engines = (argValue('--engines') ?? 'pg,mariadb').split(',');
const ROOT = join(__dirname, '..', '..');
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A fresh schema (pg) or database (MariaDB) for one engine, dropped at the end. */
async function destination(engine: string): Promise<{ options: DestinationOptions; db: Knex; drop(): Promise<void> }> {
  const name = `bench_dest_${randomBytes(3).toString('hex')}`;
  if (engine === 'pg') {
    const options: DestinationOptions = { client: 'pg', url: PG_URL, schema: name };
    const db = createDestinationKnex(options);
    await db.raw('create schema ??', [name]);
    return { options, db, drop: async () => void (await db.raw('drop schema ?? cascade', [name]), await db.destroy()) };
  }
  const admin = createDestinationKnex({ client: 'mysql', url: MARIADB_URL });
  await admin.raw('create database ??', [name]);
  await admin.destroy();
  const url = new URL(MARIADB_URL);
  url.pathname = `/${name}`;
  const options: DestinationOptions = { client: 'mysql', url: url.toString() };
  const db = createDestinationKnex(options);
  return { options, db, drop: async () => void (await db.raw('drop database ??', [name]), await db.destroy()) };
}

async function dropTables(db: Knex, prefix: string, entities: string[]): Promise<void> {
  for (const e of entities) await db.schema.dropTableIfExists(`${prefix}${e}`);
}

/** The connector, from checkpoint 0 into empty tables; changes/s over every change of the feed. */
async function viaConnector(source: Knex, options: DestinationOptions, entities: string[], db: Knex): Promise<number> {
  await dropTables(db, 'dst_', entities);
  const config = configSchema.parse({
    environment: 'test',
    db: { client: 'sqlite', filename: ':memory:' },
    mappings: { dir: join(ROOT, 'mappings') },
    connectors: { staging: { type: 'database', ...options, tablePrefix: 'dst_', batchSize: batch } },
  });
  const c = new Container(config, { db: source, logger: pino({ level: 'warn' }) });
  try {
    await c.feed.rewind(consumerNameOf('staging'), { cursor: 0 });
    const started = process.hrtime.bigint();
    const outcome = await c.connectors.run('staging');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (outcome.status !== 'ok') throw new Error(`connector run failed: ${JSON.stringify(outcome.error)}`);
    return total / seconds;
  } finally {
    await c.close();
  }
}

/** The floor: every change's row, converted beforehand, inserted in batches into tables of the same columns. */
async function plainInsert(
  db: Knex,
  client: 'pg' | 'mysql',
  rows: Map<string, DestinationRow[]>,
  columns: Map<string, ShapeColumn[]>,
): Promise<number> {
  await dropTables(db, 'base_', [...rows.keys()]);
  for (const [entity, cols] of columns) {
    await db.schema.createTable(`base_${entity}`, (t) => {
      t.string('source', 128);
      t.string('record_key', 255);
      t.bigInteger('record_version');
      t.bigInteger('event_timestamp');
      t.string('mapping_version', 32);
      t.specificType('deleted_at', columnTypeOf(client, 'datetime'));
      t.specificType('synced_at', columnTypeOf(client, 'datetime'));
      for (const c of cols) t.specificType(c.name, columnTypeOf(client, c.type));
    });
  }
  const records = new Map([...rows].map(([e, rs]) => [e, rs.map((r) => destinationRecord(client, r, columns.get(e) ?? []))]));
  const started = process.hrtime.bigint();
  for (const [entity, rs] of records) {
    for (let i = 0; i < rs.length; i += batch) await db(`base_${entity}`).insert(rs.slice(i, i + batch));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-connector-db-'));
  const filename = join(dir, 'source.db');
  try {
    process.stderr.write(
      `bench:connector-db ${total} changes, batch ${batch}, ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`,
    );
    const source = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
    await migrateLatest(source);
    await source.destroy();
    const loaded = preloadChanges(filename, await changeTemplates(ROOT), total);
    const db = createKnex({ client: 'sqlite', filename, pool: { max: 1 } });
    const { mappings } = loadMappingsSync(join(ROOT, 'mappings'));
    const columns = new Map(mappings.map((m) => [m.entity, m.fields.map((f) => ({ name: f.name, type: f.type, required: f.required }))]));
    const rows = new Map<string, DestinationRow[]>();
    const changes = (await db('changes').orderBy('seq')) as Array<Record<string, string | number>>;
    for (const ch of changes) {
      const entity = String(ch.entity);
      rows.set(entity, [
        ...(rows.get(entity) ?? []),
        {
          source: String(ch.source),
          key: String(ch.record_key),
          version: Number(ch.seq),
          eventTimestamp: Number(ch.event_timestamp),
          mappingVersion: String(ch.mapping_version),
          deletedAt: ch.kind === 'deleted' ? new Date(String(ch.created_at)) : null,
          values: JSON.parse(String(ch.data)) as Record<string, unknown>,
        },
      ]);
    }
    process.stderr.write(`pre-loaded, data ${loaded.avgDataBytes.toFixed(0)} bytes on average\n`);
    for (const engine of engines) {
      const dest = await destination(engine);
      try {
        const viaConn: number[] = [];
        const plain: number[] = [];
        for (let r = 0; r < rounds; r++) {
          plain.push(await plainInsert(dest.db, dest.options.client, rows, columns));
          viaConn.push(await viaConnector(db, dest.options, [...rows.keys()], dest.db));
          process.stderr.write(
            `  ${engine} round ${r + 1}: plain insert ${plain[r]?.toFixed(0)} rows/s, connector ${viaConn[r]?.toFixed(0)} changes/s\n`,
          );
        }
        const p = median(plain);
        const c = median(viaConn);
        process.stdout.write(
          `${engine.padEnd(8)} plain insert ${p.toFixed(0).padStart(7)} rows/s   connector ${c.toFixed(0).padStart(7)} changes/s\n`,
        );
        process.stdout.write(
          `${JSON.stringify({ bench: 'connector-db', engine, changes_per_s: Math.round(c), plain_insert_rows_per_s: Math.round(p), ratio: Number((c / p).toFixed(3)), changes: total, batch, rounds })}\n`,
        );
      } finally {
        await dest.drop();
      }
    }
    await db.destroy();
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
