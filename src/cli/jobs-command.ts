import type { Command } from 'commander';
import { withCliRuntime } from './cli-runtime';

/** `appdirect-sync jobs list|run <name>`: the periodic jobs, on demand (they also run on their schedule under `serve`). */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('periodic jobs (retention)');
  jobs
    .command('list')
    .description('list the jobs and their schedules')
    .action(async (_opts, command: Command) => {
      await withCliRuntime(command, async (runtime) => {
        for (const job of runtime.jobs.jobs) process.stdout.write(`${job.name}  ${job.schedule}\n`);
      });
    });
  jobs
    .command('run <name>')
    .description('run one job now, e.g. `jobs run retention`')
    .action(async (name: string, _opts, command: Command) => {
      await withCliRuntime(command, async (runtime) => {
        const counts = await runtime.jobs.run(name);
        for (const [what, count] of Object.entries(counts)) process.stdout.write(`${name}: ${count} ${what}\n`);
      });
    });
}
