import type { Command } from 'commander';
import type { Config } from '../config/config-schema';
import { createKnex, type Knex } from '../db/create-knex';
import { migrateLatest } from '../db/migration-source';
import { configFromCli } from './cli-config';

/** Runs a CLI command against the configured database (migrated first), and always closes it. */
export async function withDatabase<T>(command: Command, run: (db: Knex, config: Readonly<Config>) => Promise<T>): Promise<T> {
  const config = configFromCli(command);
  const db = createKnex(config.db);
  try {
    await migrateLatest(db);
    return await run(db, config);
  } finally {
    await db.destroy();
  }
}
