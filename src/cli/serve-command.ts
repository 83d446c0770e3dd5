import type { Command } from 'commander';
import { boundHeapGrowth } from '../core/heap-limits';
import { buildRuntime } from '../main';
import { configFromCli } from './cli-config';

/** `appdirect-sync serve`: migrate, then receive webhooks until SIGTERM or SIGINT. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run migrations, then serve the receiver, the APIs, the worker and the schedules')
    .action(async (_opts, command: Command) => {
      // First: bounds how far the service's heaps grow past what they keep (ADR 0039).
      boundHeapGrowth();
      const config = configFromCli(command, 'all');
      // With worker.thread, the worker runs on a thread of its own with its own connection (ADR 0040).
      const runtime = await buildRuntime(config, { workerThread: config.worker.enabled && config.worker.thread });
      await runtime.checkpoints.start();
      await runtime.listen();
      if (config.worker.enabled) runtime.serviceWorker.start();
      runtime.jobs.start();
      runtime.connectors.start();
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        runtime.logger.info({ signal }, 'stopping');
        const force = setTimeout(() => {
          runtime.logger.error('graceful stop timed out; exiting');
          process.exit(1);
        }, config.server.shutdownTimeoutMs);
        force.unref();
        runtime.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            runtime.logger.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      // SIGHUP re-reads the TLS certificate and key now, instead of at the next periodic check (docs/operations.md).
      process.on('SIGHUP', () => void runtime.reloadTls());
    });
}
