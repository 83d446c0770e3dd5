import type { Command } from 'commander';
import { createLogger } from '../core/logger';
import { isAppError } from '../core/app-error';
import { Container } from '../compose/container';
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
  await reportingErrors(
    () => run(runtime),
    () => runtime.stop(),
  );
}

/**
 * Runs one command on the database and what it takes from the container (no mappings, no worker unless it asks),
 * so events can be inspected even while the mapping files are broken. Applies pending migrations first, and always
 * closes what the command built.
 */
export async function withDatabase(
  command: Command,
  run: (c: Container) => Promise<number | void>,
  uses: ConfigUses = DATABASE_ONLY,
): Promise<void> {
  const c = new Container(configFromCli(command, uses));
  await reportingErrors(
    async () => {
      await c.migrate();
      return run(c);
    },
    () => c.close(),
  );
}

/**
 * Like withDatabase, for a command that prints after the database is closed: resolves with the body's result and
 * lets errors through to the caller.
 */
export async function onDatabase<T>(command: Command, run: (c: Container) => Promise<T>, uses: ConfigUses = DATABASE_ONLY): Promise<T> {
  const c = new Container(configFromCli(command, uses));
  try {
    await c.migrate();
    return await run(c);
  } finally {
    await c.close();
  }
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
