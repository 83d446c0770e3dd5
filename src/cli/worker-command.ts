import type { Command } from 'commander';
import { boundHeapGrowth } from '../core/heap-limits';
import { buildRuntime } from '../main';
import { configFromCli, RUNTIME_WITHOUT_SERVER } from './cli-config';

/**
 * `appdirect-sync worker`: runs the sync worker as its own process (set worker.enabled: false for `serve`
 * then). Without `--once` it also runs the job schedule (retention). `--once` drains what is due and exits, for cron-style use and tests.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('apply accepted inbox events to records and the change log')
    .option('--once', 'process every due event, then exit')
    .action(async (opts: { once?: boolean }, command: Command) => {
      // The sources too: their appdirectApi re-fetches content-less deliveries and schedules the reconcile jobs.
      // First: bounds how far the service's heaps grow past what they keep (ADR 0039).
      boundHeapGrowth();
      const config = configFromCli(command, [...RUNTIME_WITHOUT_SERVER, 'sources', 'metrics']);
      const runtime = await buildRuntime(config);
      if (opts.once) {
        // Claimed is not applied: say where each claimed event ended.
        const r = await runtime.worker.drain();
        process.stdout.write(
          `claimed ${r.claimed} event(s): ${r.done} done, ${r.stale} stale, ${r.failed} failed, ${r.unmapped} unmapped, ${r.retried} to retry later\n`,
        );
        await runtime.stop();
        return;
      }
      runtime.logger.info('worker started');
      await runtime.checkpoints.start();
      runtime.worker.start();
      runtime.jobs.start();
      const stop = (signal: string) => {
        runtime.logger.info({ signal }, 'stopping');
        runtime.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
