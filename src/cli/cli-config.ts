import type { Command } from 'commander';
import type { Config } from '../config/config-schema';
import { ConfigError, loadConfig } from '../config/load-config';

/**
 * Loads the config named by the global --config / --config-dir options. An invalid config prints every
 * problem with its key and exits non-zero.
 */
export function configFromCli(command: Command): Readonly<Config> {
  const opts = command.optsWithGlobals<{ config?: string[]; configDir?: string }>();
  try {
    return loadConfig({ files: opts.config ?? [], configDir: opts.configDir });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
