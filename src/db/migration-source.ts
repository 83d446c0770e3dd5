import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { isUniqueViolation } from './db-errors';
import { ensureSchema } from './pg-schema';

/** The migrations/ folder beside src/, in the source tree (tests) and in dist/ (the built CLI) alike. */
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

/**
 * Lists migrations/*.ts (or their compiled .js) by name, so knex sees the same names whether the
 * code runs from source or from dist/.
 */
export class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<string[]> {
    return readdirSync(this.dir)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => f.replace(/\.(ts|js)$/, ''))
      .sort();
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  async getMigration(migration: string): Promise<Knex.Migration> {
    // require, not import(): the compiled code is CommonJS, and under tsx it loads the .ts file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(this.dir, migration)) as Knex.Migration;
  }
}

/**
 * Runs every pending migration (creating the configured PostgreSQL schema first); returns the names it ran.
 *
 * @remarks Several instances may start at once on one database. knex lets one of them migrate and makes the others
 * fail with "Migration table is already locked"; those wait and look again until the migrations are current,
 * rather than exit. Creating the lock table itself can collide too (a unique violation), with the same remedy.
 */
export async function migrateLatest(db: Knex, waitMs = 120_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await ensureSchema(db);
      const [, names] = (await db.migrate.latest({ migrationSource: new FolderMigrationSource() })) as [number, string[]];
      return names;
    } catch (err) {
      const busy = /already locked/i.test((err as Error).message) || isUniqueViolation(err);
      if (!busy || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250 + Math.random() * 250));
    }
  }
}

/** True when no migration is pending: what /readyz asks. */
export async function migrationsAreCurrent(db: Knex): Promise<boolean> {
  const [, pending] = (await db.migrate.list({ migrationSource: new FolderMigrationSource() })) as [unknown[], unknown[]];
  return pending.length === 0;
}
