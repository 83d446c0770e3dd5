import type { Command } from 'commander';
import { createLogger } from '../core/logger';
import { isAppError } from '../core/app-error';
import type { Config } from '../config/config-schema';
import { createKnex, type Knex } from '../db/create-knex';
import { migrateLatest } from '../db/migration-source';
import { buildRuntime, type Runtime } from '../main';
import { configFromCli, DATABASE_ONLY, RUNTIME_WITHOUT_SERVER, type ConfigUses } from './cli-config';

/**
 * Runs one operator command on a full runtime (database, mappings, worker), and always stops it again.
 *
 * @remarks Logs go to stderr, so stdout carries only the command's own output (tables, JSON, summaries) and can
 * be piped. An AppError becomes its message on stderr and exit code 1, without a stack.
 */
export async function withCliRuntime(
  command: Command,
  run: (runtime: Runtime) => Promise<number | void>,
  uses: ConfigUses = RUNTIME_WITHOUT_SERVER,
): Promise<void> {
  const config = configFromCli(command, uses);
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const runtime = await buildRuntime(config, { logger });
  await reportingErrors(() => run(runtime), () => runtime.stop());
}

/**
 * Runs one command on the database alone (no mappings, no worker), so events can be inspected even while the
 * mapping files are broken. Applies pending migrations, always closes the database.
 */
export async function withDatabase(
  command: Command,
  run: (db: Knex, config: Readonly<Config>) => Promise<number | void>,
  uses: ConfigUses = DATABASE_ONLY,
): Promise<void> {
  const config = configFromCli(command, uses);
  const db = createKnex(config.db);
  await reportingErrors(
    async () => {
      await migrateLatest(db);
      return run(db, config);
    },
    () => db.destroy(),
  );
}

/** Runs a command body: its number is the exit code; an AppError is one line on stderr and exit code 1. */
async function reportingErrors(body: () => Promise<number | void>, close: () => Promise<void>): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (!isAppError(err)) throw err;
    process.stderr.write(`${err.code}: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}
