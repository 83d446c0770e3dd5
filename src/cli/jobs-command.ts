import type { Command } from 'commander';
import { withDatabase } from './cli-runtime';

/**
 * The config a job reads: its schedule and limits, and the database; the sources (their appdirectApi) and the mapping
 * files for the reconcile jobs, which load them only when run.
 */
const JOBS_USE: readonly string[] = ['db', 'log', 'retention', 'sources', 'mappings', 'worker', 'metrics'];

/** `appdirect-sync jobs list|run <name>`: the periodic jobs, on demand (they also run on their schedule under `serve`). */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('periodic jobs (retention)');
  jobs
    .command('list')
    .description('list the jobs and their schedules')
    .action(async (_opts, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          for (const job of c.jobs.jobs) process.stdout.write(`${job.name}  ${job.schedule ?? 'on demand'}\n`);
        },
        JOBS_USE,
      );
    });
  jobs
    .command('run <name>')
    .description('run one job now, e.g. `jobs run retention`')
    .action(async (name: string, _opts, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          const counts = await c.jobs.run(name);
          for (const [what, count] of Object.entries(counts)) process.stdout.write(`${name}: ${count} ${what}\n`);
        },
        JOBS_USE,
      );
    });
}
