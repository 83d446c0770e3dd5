import { Command } from 'commander';
import { isAppError } from '../core/app-error';
import { registerBackfillCommand } from './backfill-command';
import { packageVersion } from '../core/package-version';
import { registerApiKeysCommand } from './api-keys-command';
import { registerClientsCommand } from './clients-command';
import { registerConnectorsCommand } from './connectors-command';
import { registerConsumersCommand } from './consumers-command';
import { registerMappingsCommand } from './mappings-command';
import { registerMigrateCommand } from './migrate-command';
import { registerOpenapiCommand } from './openapi-command';
import { registerServeCommand } from './serve-command';
import { registerSimulateCommand } from './simulate-command';
import { registerSimulateMarketplaceCommand } from './simulate-marketplace-command';
import { registerTokensCommand } from './tokens-command';
import { registerUsersCommand } from './users-command';
import { registerViewsCommand } from './views-command';
import { registerWorkerCommand } from './worker-command';
import { registerEventsCommand } from './events-command';
import { registerRecordsCommand } from './records-command';
import { registerRemapCommand } from './remap-command';
import { registerJobsCommand } from './jobs-command';

/** Builds the `appdirect-sync` command line; each command group lives in its own file. */
export function buildProgram(): Command {
  const program = new Command('appdirect-sync')
    .description('Receive AppDirect webhooks durably and keep a local store in sync')
    .option('-c, --config <file>', 'a YAML file laid over config/default.yaml (repeatable)', collect, [])
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--config-dir <dir>', 'folder holding default.yaml', undefined)
    .showHelpAfterError();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerTokensCommand(program);
  registerClientsCommand(program);
  registerUsersCommand(program);
  registerSimulateCommand(program);
  registerMappingsCommand(program);
  registerWorkerCommand(program);
  registerApiKeysCommand(program);
  registerConsumersCommand(program);
  registerEventsCommand(program);
  registerRemapCommand(program);
  registerRecordsCommand(program);
  registerJobsCommand(program);
  registerViewsCommand(program);
  registerConnectorsCommand(program);
  registerOpenapiCommand(program);
  registerBackfillCommand(program);
  registerSimulateMarketplaceCommand(program);
  return program;
}

/** Entry point of bin/appdirect-sync.js. */
export function main(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      // An AppError keeps its code (AUTH_USER_EXISTS: ...), as withDatabase prints it, so a script can match on it.
      process.stderr.write(isAppError(err) ? `${err.code}: ${err.message}\n` : `${(err as Error).message}\n`);
      process.exitCode = 1;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
