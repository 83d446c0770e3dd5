import type { Command } from 'commander';
import { createKnex } from '../db/create-knex';
import { migrateLatest } from '../db/migration-source';
import { configFromCli } from './cli-config';

/** `appdirect-sync migrate`: apply every pending migration and say which. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (_opts, command: Command) => {
      const config = configFromCli(command, ['db']);
      const db = createKnex(config.db);
      try {
        const ran = await migrateLatest(db);
        process.stdout.write(ran.length ? `applied: ${ran.join(', ')}\n` : 'already up to date\n');
      } finally {
        await db.destroy();
      }
    });
}
