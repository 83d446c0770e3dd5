import { randomBytes } from 'node:crypto';
import { createDestinationKnex, type DestinationOptions } from '../../src/db/create-destination-knex';
import type { Knex } from '../../src/db/create-knex';
import { TEST_DATABASE_URL } from './test-databases';

/** The destination engines a database connector writes to. */
export type DestinationEngine = 'pg' | 'mariadb';

/** Where the MariaDB variants run: root with an empty password on the local server (scripts/ensure-mariadb.sh). */
export const TEST_MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** CI (or anyone who asks) must never pass with the MariaDB variants silently skipped. */
const MARIADB_REQUIRED = process.env.CI === 'true' || process.env.REQUIRE_MARIADB === '1';
const POSTGRES_REQUIRED = process.env.CI === 'true' || process.env.REQUIRE_POSTGRES === '1';

/** One engine's destination for one suite: an empty schema (pg) or database (MariaDB) of its own. */
export interface TestDestination {
  readonly engine: DestinationEngine;
  /** The connector settings that write there (`client`, `url`, `schema`). */
  readonly settings: { client: 'pg' | 'mysql'; url: string; schema?: string };
  /** A knex on the destination, for the test's own reads; closed after the suite. */
  readonly db: Knex;
}

let warned = false;

/**
 * Runs a body once per destination engine, PostgreSQL and MariaDB, each in a schema or database of its own that is
 * dropped afterwards. An unreachable engine is skipped with a warning, unless CI=true (or REQUIRE_POSTGRES /
 * REQUIRE_MARIADB): then the suite fails, so CI never reports green without having run on both.
 */
export function forEachDestination(title: string, body: (ctx: TestDestination) => void): void {
  for (const engine of ['pg', 'mariadb'] as const) {
    describe(`${title} [${engine}]`, function () {
      let opened: { ctx: TestDestination; drop(): Promise<void> } | undefined;
      const ctx: TestDestination = {
        engine,
        get settings() {
          return ready(opened).settings;
        },
        get db() {
          return ready(opened).db;
        },
      };
      before(async function () {
        this.timeout(60_000);
        try {
          opened = await open(engine);
        } catch (err) {
          const required = engine === 'pg' ? POSTGRES_REQUIRED : MARIADB_REQUIRED;
          if (required) throw new Error(`${engine} is required here (CI=true) but unreachable: ${(err as Error).message}`, { cause: err });
          if (!warned) console.warn(`[test-destinations] ${engine} unreachable, its variants are skipped: ${(err as Error).message}`);
          warned = true;
          this.skip();
        }
      });
      after(async () => {
        await opened?.drop();
        opened = undefined;
      });
      body(ctx);
    });
  }
}

function ready(opened: { ctx: TestDestination } | undefined): TestDestination {
  if (!opened) throw new Error('test destination used outside a hook or test (or its engine was skipped)');
  return opened.ctx;
}

async function open(engine: DestinationEngine): Promise<{ ctx: TestDestination; drop(): Promise<void> }> {
  const name = `appdirect_dest_${Date.now()}_${randomBytes(3).toString('hex')}`;
  if (engine === 'pg') {
    const settings = { client: 'pg' as const, url: TEST_DATABASE_URL, schema: name };
    const db = createDestinationKnex(settings as DestinationOptions);
    await db.raw('create schema ??', [name]);
    return {
      ctx: { engine, settings, db },
      drop: async () => {
        await db.raw('drop schema if exists ?? cascade', [name]);
        await db.destroy();
      },
    };
  }
  const admin = createDestinationKnex({ client: 'mysql', url: TEST_MARIADB_URL });
  try {
    await admin.raw('create database ??', [name]);
  } finally {
    await admin.destroy();
  }
  const url = new URL(TEST_MARIADB_URL);
  url.pathname = `/${name}`;
  const settings = { client: 'mysql' as const, url: url.toString() };
  const db = createDestinationKnex(settings);
  return {
    ctx: { engine, settings, db },
    drop: async () => {
      await db.raw('drop database if exists ??', [name]);
      await db.destroy();
    },
  };
}
