import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { BACKFILL_ENTITIES } from '../config/appdirect-api-schema';
import type { EntityOutcome, EntityProgress } from '../backfill/backfill-service';
import { RUNTIME_WITHOUT_SERVER } from './cli-config';
import { withCliRuntime } from './cli-runtime';
import { parseTimeOption } from './time-option';

interface BackfillOptions {
  source: string;
  entity: string;
  since?: string;
}

/**
 * `appdirect-sync backfill --source S [--entity company,user] [--since DATE]`: lists every resource of the
 * marketplace through its REST API and feeds each one through the inbox, the mapping files, the ordering rule and
 * the change log, as a webhook would; the worker of this process applies them page by page. Resumable, idempotent.
 * See docs/backfill.md.
 */
export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description("list every resource of a source's marketplace (REST API) and sync it like a webhook")
    .requiredOption('--source <name>', 'the source whose appdirectApi to read')
    .option('--entity <list>', `comma-separated, of ${BACKFILL_ENTITIES.join(', ')}`, BACKFILL_ENTITIES.join(','))
    .option('--since <time>', 'only resources modified since (ISO 8601 or 7d); users and subscriptions only, the others list everything')
    .action(async (opts: BackfillOptions, command: Command) => {
      const uses = [...RUNTIME_WITHOUT_SERVER, `sources.${opts.source}`];
      await withCliRuntime(
        command,
        async (runtime) => {
          const since = opts.since === undefined ? undefined : parseTimeOption(opts.since, new Date()).getTime();
          const entities = opts.entity
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e !== '');
          const progress = progressReporter(process.stdout.isTTY === true);
          const started = Date.now();
          // Ctrl-C stops the listings after their current page, so the job lock is released and every checkpoint
          // kept; a second Ctrl-C ends the process at once (the handlers are gone by then).
          const interrupted = new AbortController();
          const interrupt = () => interrupted.abort();
          process.once('SIGINT', interrupt);
          process.once('SIGTERM', interrupt);
          let outcomes: EntityOutcome[];
          try {
            // One backfill of a source at a time, across instances: two would race on its checkpoints.
            outcomes = await runtime.jobs.exclusively(`backfill:${opts.source}`, 'BACKFILL_RUNNING', () =>
              runtime.backfill(opts.source).run(entities, {
                since,
                signal: interrupted.signal,
                onProgress: progress.update,
                afterPage: async () => void (await runtime.worker.drain()),
              }),
            );
          } catch (err) {
            if (!interrupted.signal.aborted) throw err;
            process.stderr.write('backfill interrupted; run it again to resume from the checkpoints\n');
            return 130;
          } finally {
            process.off('SIGINT', interrupt);
            process.off('SIGTERM', interrupt);
            progress.stop();
          }
          process.stdout.write(formatSummary(outcomes, Date.now() - started));
          return 0;
        },
        uses,
      );
    });
}

/** One cli-progress bar per entity on a terminal; a plain line per page otherwise (logs, CI). */
function progressReporter(tty: boolean): { update: (p: EntityProgress) => void; stop: () => void } {
  if (!tty) {
    return {
      update: (p) =>
        process.stdout.write(`${p.entity}: listed ${p.listed}${p.total === undefined ? '' : `/${p.total}`}, new ${p.accepted}\n`),
      stop: () => undefined,
    };
  }
  const multi = new MultiBar(
    { format: '{entity} {bar} {value}/{total} new {accepted} eta {eta}s', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  return {
    update: (p) => {
      // Lists without a total (bare arrays) grow their bar's total as they go.
      const total = p.total ?? p.listed;
      let bar = bars.get(p.entity);
      if (!bar) {
        bar = multi.create(total, 0, { entity: p.entity.padEnd(15), accepted: 0 });
        bars.set(p.entity, bar);
      }
      bar.setTotal(Math.max(total, p.listed));
      bar.update(p.listed, { accepted: p.accepted });
    },
    stop: () => multi.stop(),
  };
}

function formatSummary(outcomes: EntityOutcome[], ms: number): string {
  const lines = outcomes.map(
    (o) =>
      `${o.entity.padEnd(15)} listed ${o.listed}, new ${o.accepted}, unchanged ${o.unchanged}, skipped ${o.skipped}` +
      (o.resumedFrom > 0 ? ` (resumed at ${o.resumedFrom})` : ''),
  );
  const total = outcomes.reduce((n, o) => n + o.listed, 0);
  lines.push(
    `backfill done: ${total} listed in ${(ms / 1000).toFixed(1)} s; events the mappings refused: appdirect-sync events list --status failed`,
  );
  return `${lines.join('\n')}\n`;
}
