import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/config-schema';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import { testConfig } from './test-runtime';

export type Engine = 'sqlite' | 'pg';

/** One engine's database for one suite: migrated, empty, and the config `db` block that opens it. */
export interface TestDatabase {
  readonly engine: Engine;
  /** A knex on the suite's database; closed by the helper after the suite. */
  readonly db: Knex;
  /** The `db` block of a config that opens the same database (for buildRuntime). */
  readonly config: Config['db'];
  /** Deletes every row of every table (migrations stay applied): for tests that count rows. */
  clean(): Promise<void>;
}

/** Where the PostgreSQL variants run; the CI machine and a developer's laptop both have it here. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** CI (or anyone who asks) must never pass with the PostgreSQL variants silently skipped. */
const POSTGRES_REQUIRED = process.env.CI === 'true' || process.env.REQUIRE_POSTGRES === '1';

/** Schemas of this process start with this; a leftover of a killed run is dropped by a later run. */
const SCHEMA_PREFIX = 'appdirect_test_';
const STALE_SCHEMA_MS = 60 * 60 * 1000;

/**
 * Runs the same test body once per available database engine, the Backstage way: always on SQLite
 * (a temp file), and on PostgreSQL when it is reachable (a schema of its own, dropped afterwards).
 *
 * @remarks When PostgreSQL is unreachable its variant is skipped with a warning, unless `CI=true` or
 * `REQUIRE_POSTGRES=1`: then the suite fails, so CI never reports green without having run on PostgreSQL.
 * The body is registered before the database exists; read `ctx.db` inside hooks and tests only.
 * @example
 * forEachDatabase('inbox store', (ctx) => {
 *   it('dedupes', async () => { const store = new KnexInboxStore(ctx.db); ... });
 * });
 */
export function forEachDatabase(title: string, body: (ctx: TestDatabase) => void): void {
  for (const engine of ['sqlite', 'pg'] as const) {
    describe(`${title} [${engine}]`, function () {
      let opened: OpenedDatabase | undefined;
      const ctx: TestDatabase = {
        engine,
        get db() {
          return ready(opened).db;
        },
        get config() {
          return ready(opened).config;
        },
        clean: () => cleanAll(ready(opened).db),
      };
      before(async function () {
        this.timeout(60_000);
        if (engine === 'pg') {
          const problem = await postgresProblem();
          if (problem !== undefined) {
            if (POSTGRES_REQUIRED) {
              throw new Error(
                `PostgreSQL is required (CI=true or REQUIRE_POSTGRES=1) but unreachable at ${redacted(TEST_DATABASE_URL)}: ${problem}`,
              );
            }
            warnSkippedOnce(problem);
            this.skip();
          }
        }
        opened = await openDatabase(engine);
      });
      after(async () => {
        await opened?.close();
        opened = undefined;
      });
      body(ctx);
    });
  }
}

interface OpenedDatabase {
  db: Knex;
  config: Config['db'];
  close(): Promise<void>;
}

function ready(opened: OpenedDatabase | undefined): OpenedDatabase {
  if (!opened) throw new Error('test database used outside a hook or test (or its engine was skipped)');
  return opened;
}

async function openDatabase(engine: Engine): Promise<OpenedDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-db-'));
    const config = testConfig({ db: { client: 'sqlite', filename: join(dir, 'test.db') } }).db;
    const db = createKnex(config);
    await migrateLatest(db);
    return {
      db,
      config,
      close: async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  await dropStaleSchemas();
  const schema = `${SCHEMA_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
  const config = testConfig({ db: { client: 'pg', url: TEST_DATABASE_URL, schema } }).db;
  const db = createKnex(config);
  // migrateLatest creates the schema, as it does for a configured db.schema in production.
  await migrateLatest(db);
  return {
    db,
    config,
    close: async () => {
      await db.destroy();
      await withAdmin((admin) => admin.raw('drop schema if exists ?? cascade', [schema]));
    },
  };
}

async function cleanAll(db: Knex): Promise<void> {
  if (db.client.config.client === 'pg') {
    const { rows } = (await db.raw(
      "select tablename from pg_tables where schemaname = current_schema() and tablename not like 'knex\\_%'",
    )) as { rows: { tablename: string }[] };
    if (rows.length > 0)
      await db.raw(
        `truncate ${rows.map(() => '??').join(', ')} restart identity`,
        rows.map((r) => r.tablename),
      );
    return;
  }
  const tables = (await db.raw(
    "select name from sqlite_master where type = 'table' and name not like 'knex\\_%' escape '\\' and name not like 'sqlite\\_%' escape '\\'",
  )) as { name: string }[];
  for (const t of tables) await db(t.name).delete();
}

let reachability: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers; otherwise why not. Asked once per test run. */
function postgresProblem(): Promise<string | undefined> {
  reachability ??= withAdmin((admin) => admin.raw('select 1')).then(
    () => undefined,
    (err: Error) => err.message || String(err),
  );
  return reachability;
}

/** A one-connection knex on the server's default schema, for probing and dropping schemas. */
async function withAdmin<T>(fn: (admin: Knex) => Promise<T>): Promise<T> {
  const admin = createKnex(testConfig({ db: { client: 'pg', url: TEST_DATABASE_URL, pool: { max: 1 } } }).db);
  try {
    return await fn(admin);
  } finally {
    await admin.destroy();
  }
}

let staleDropped: Promise<void> | undefined;

/** Drops schemas left by runs that were killed before their `after` hooks, an hour or more ago. */
function dropStaleSchemas(): Promise<void> {
  staleDropped ??= withAdmin(async (admin) => {
    const { rows } = (await admin.raw("select nspname from pg_namespace where nspname like 'appdirect\\_test\\_%'")) as {
      rows: { nspname: string }[];
    };
    for (const { nspname } of rows) {
      const started = Number(nspname.slice(SCHEMA_PREFIX.length).split('_')[0]);
      if (Number.isFinite(started) && Date.now() - started > STALE_SCHEMA_MS) {
        await admin.raw('drop schema if exists ?? cascade', [nspname]);
      }
    }
  });
  return staleDropped;
}

let warned = false;
function warnSkippedOnce(problem: string): void {
  if (warned) return;
  warned = true;
  console.warn(
    `\n  ⚠ PostgreSQL unreachable at ${redacted(TEST_DATABASE_URL)} (${problem}): the [pg] variants of test/db are SKIPPED.\n` +
      '    Start it (scripts/ensure-postgres.sh) or set TEST_DATABASE_URL; CI=true or REQUIRE_POSTGRES=1 makes this a failure.\n',
  );
}

function redacted(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
