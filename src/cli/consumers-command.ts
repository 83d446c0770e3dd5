import type { Command } from 'commander';
import { withDatabase } from './cli-runtime';

/** `appdirect-sync consumers list|rewind|remove`: the change feed's named consumers and how far behind they are. */
export function registerConsumersCommand(program: Command): void {
  const consumers = program.command('consumers').description('named consumers of the change feed');
  consumers
    .command('list')
    .description("each consumer's checkpoint and lag")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await withDatabase(command, async (c) => {
        const lags = await c.feed.lag();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(lags)}\n`);
          return;
        }
        if (lags.length === 0) process.stdout.write('no consumers yet\n');
        for (const l of lags) {
          const age = l.fellBehindRetention
            ? `FELL BEHIND RETENTION: changes through ${l.purgedThrough} purged; rewind to ${l.purgedThrough} to continue`
            : l.behind === 0
              ? 'caught up'
              : `${l.behind} behind, oldest unacked ${l.oldestUnackedSeconds}s old`;
          process.stdout.write(
            `${l.name.padEnd(32)} checkpoint ${String(l.cursor).padStart(10)} / head ${l.head}  ${age}  last ack ${l.ackedAt?.toISOString() ?? 'never'}\n`,
          );
        }
      });
    });
  consumers
    .command('rewind <name>')
    .description('move a checkpoint back (or forward) to a cursor or a point in time')
    .option('--cursor <cursor>', 'the cursor to continue after')
    .option('--time <iso>', 'continue with the first change committed at or after this time')
    .action(async (name: string, opts: { cursor?: string; time?: string }, command: Command) => {
      if ((opts.cursor === undefined) === (opts.time === undefined)) throw new Error('give exactly one of --cursor or --time');
      await withDatabase(command, async (c) => {
        let to: { time: Date } | { cursor: number };
        if (opts.time !== undefined) {
          const time = new Date(opts.time);
          if (Number.isNaN(time.getTime())) throw new Error('--time must be an ISO-8601 time');
          to = { time };
        } else {
          const cursor = Number(opts.cursor);
          if (!Number.isSafeInteger(cursor) || cursor < 0) throw new Error('--cursor must be a cursor from the feed');
          to = { cursor };
        }
        const consumer = await c.feed.rewind(name, to);
        process.stdout.write(`${consumer.name} now continues after cursor ${consumer.cursor}\n`);
      });
    });
  consumers
    .command('remove <name>')
    .description('forget a consumer and its checkpoint')
    .action(async (name: string, _opts, command: Command) => {
      await withDatabase(command, async (c) => {
        if (!(await c.stores.consumers.remove(name))) throw new Error(`no consumer ${name}`);
        process.stdout.write(`removed ${name}\n`);
      });
    });
}
