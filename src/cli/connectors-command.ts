import type { Command } from 'commander';
import { connectorStatuses } from '../connectors/connector-status';
import { barProgress, logProgress } from '../connectors/progress-reporter';
import { consumerNameOf } from '../connectors/connector';
import { AppError, isAppError } from '../core/app-error';
import type { Container } from '../compose/container';
import { withDatabase } from './cli-runtime';
import { parseCountOption } from './time-option';
import { registerConnectorFailuresCommand } from './connector-failures-command';

/** `appdirect-sync connectors list|run|failures|preview`: the configured downstream connectors, their checkpoints, a run on demand. */
export function registerConnectorsCommand(program: Command): void {
  const connectors = program.command('connectors').description('downstream connectors (config key connectors)');
  connectors
    .command('list')
    .description("each configured connector's schedule, checkpoint and lag")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          const rows = await connectorStatuses(c.feed, c.config.connectors, undefined, await c.stores.connectorFailures.countParked());
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(rows)}\n`);
            return;
          }
          if (rows.length === 0) process.stdout.write('no connectors configured\n');
          for (const r of rows) {
            const lag = r.behind === 0 ? 'caught up' : `${r.behind} behind, oldest unacked ${r.oldestUnackedSeconds}s old`;
            const parked = (r.parked ?? 0) > 0 ? `  ${r.parked} parked` : '';
            const when = r.enabled ? (r.schedule ?? 'on demand') : 'disabled';
            process.stdout.write(
              `${r.name.padEnd(24)} ${r.type.padEnd(10)} ${when.padEnd(16)} checkpoint ${String(r.checkpoint).padStart(10)} / head ${r.head}  ${lag}  last ack ${r.ackedAt ?? 'never'}${parked}\n`,
            );
          }
        },
        ['db', 'log', 'connectors'],
      );
    });
  connectors
    .command('run <name>')
    .description('run one connector now, from its checkpoint until caught up (exit 1 when it fails)')
    .option('--no-progress', 'no progress bar even on a terminal')
    .option('--dry-run', 'send nothing and keep the checkpoint: print, one JSON line per change, what the run would send')
    .option('--limit <n>', 'with --dry-run: the most changes printed', '100')
    .action(async (name: string, opts: { progress: boolean; dryRun?: boolean; limit: string }, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          const runner = c.connectorsOnDemand;
          if (opts.dryRun) {
            await printDryRun(c, name, parseCountOption(opts.limit, '--limit'));
            return;
          }
          const progress = opts.progress && process.stderr.isTTY ? barProgress(name) : logProgress(c.logger, name);
          // Ctrl-C ends the run at its next safe point, keeping the checkpoint of what the downstream took.
          const interrupt = () => void runner.stop();
          process.once('SIGINT', interrupt);
          process.once('SIGTERM', interrupt);
          try {
            const outcome = await runner.run(name, progress);
            if (outcome.status === 'failed') {
              process.stderr.write(`${name} failed: ${outcome.error?.code} ${outcome.error?.message}\n`);
              process.exitCode = 1;
              return;
            }
            process.stdout.write(
              `${name}: ${outcome.status}, ${outcome.delivered} changes delivered, checkpoint ${outcome.checkpoint ?? '-'}\n`,
            );
          } finally {
            process.off('SIGINT', interrupt);
            process.off('SIGTERM', interrupt);
          }
        },
        ['db', 'log', 'mappings', `connectors.${name}`],
      );
    });
  connectors
    .command('preview <name>')
    .description('print what the connector would send for a stored change (its output mapping applied), without sending')
    .requiredOption('--seq <cursor>', 'the cursor (seq) of the change')
    .action(async (name: string, opts: { seq: string }, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          const seq = parseCountOption(opts.seq, '--seq');
          const change = (await c.feed.read(String(seq - 1), { limit: 1 })).changes[0];
          if (!change || change.seq !== seq) throw new AppError('FEED_CHANGE_NOT_FOUND', `no change with cursor ${seq} in the feed`);
          const connector = c.connectorsOnDemand.connector(name);
          const sends = connector.preview ? await connector.preview(change) : null;
          const about = {
            connector: name,
            type: connector.type,
            cursor: String(seq),
            entity: change.entity,
            key: change.key,
            kind: change.kind,
          };
          process.stdout.write(`${JSON.stringify({ ...about, passedOver: sends === null, sends }, null, 2)}\n`);
        },
        ['db', 'log', 'mappings', `connectors.${name}`],
      );
    });
  registerConnectorFailuresCommand(connectors);
}

/**
 * `connectors run --dry-run`: the changes after the connector's checkpoint (read as a plain feed reader, so the
 * checkpoint stays), each with what the connector's preview says it would send; a change its output mapping
 * refuses is printed with the error it would be parked with.
 */
async function printDryRun(c: Container, name: string, limit: number): Promise<void> {
  const connector = c.connectorsOnDemand.connector(name);
  const checkpoint = (await c.feed.lag()).find((l) => l.name === consumerNameOf(name))?.cursor ?? 0;
  const { changes } = await c.feed.read(String(checkpoint), { limit });
  for (const change of changes) {
    const about = { cursor: String(change.seq), entity: change.entity, key: change.key, kind: change.kind };
    try {
      const sends = connector.preview ? await connector.preview(change) : null;
      process.stdout.write(`${JSON.stringify({ ...about, passedOver: sends === null, sends })}\n`);
    } catch (err) {
      if (!isAppError(err)) throw err;
      process.stdout.write(`${JSON.stringify({ ...about, refused: { code: err.code, message: err.message } })}\n`);
    }
  }
  process.stderr.write(`${name}: dry run of ${changes.length} changes after checkpoint ${checkpoint}; nothing sent\n`);
}
