import type { Command } from 'commander';
import type { Config } from '../config/config-schema';
import { ConfigError, loadConfig } from '../config/load-config';

/**
 * The config sections a command reads, as key paths (`db`, `connectors.crm`); `all` for the commands that run the
 * whole service. Sections a command does not name are not validated and take their defaults, so `events list`
 * works without a connector's secret in the shell.
 */
export type ConfigUses = readonly string[] | 'all';

/** What a command on the database alone reads. */
export const DATABASE_ONLY: readonly string[] = ['db', 'log'];

/** What a command on a runtime without the HTTP server reads: no sources, no connectors, no server settings. */
export const RUNTIME_WITHOUT_SERVER: readonly string[] = ['db', 'log', 'mappings', 'worker', 'retention', 'receiver', 'auth'];

/**
 * Loads the config named by the global --config / --config-dir options, validating what `uses` names. An invalid
 * config prints every problem with its key and exits 2.
 */
export function configFromCli(command: Command, uses: ConfigUses): Readonly<Config> {
  const opts = command.optsWithGlobals<{ config?: string[]; configDir?: string }>();
  try {
    return loadConfig({ files: opts.config ?? [], configDir: opts.configDir, only: uses === 'all' ? undefined : uses });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
