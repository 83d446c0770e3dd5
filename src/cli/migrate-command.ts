import type { Command } from 'commander';
import { withDatabase } from './cli-runtime';

/** `appdirect-sync migrate`: apply every pending migration and say which. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (_opts, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          // withDatabase has migrated already; the container remembers what that applied.
          const ran = await c.migrate();
          process.stdout.write(ran.length ? `applied: ${ran.join(', ')}\n` : 'already up to date\n');
        },
        ['db'],
      );
    });
}
