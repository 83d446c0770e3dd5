import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { RemapSummary } from '../worker/remap-service';
import { withCliRuntime } from './cli-runtime';

/** Without a terminal: a line at most every this many records, or every LOG_EVERY_MS. */
const LOG_EVERY_RECORDS = 5000;
const LOG_EVERY_MS = 2000;

/**
 * `appdirect-sync remap [--entity] [--source]`: after a mapping fix or a new mapping, re-drive the events that
 * had none and re-project every existing record through the current mapping files. See docs/operations.md.
 */
export function registerRemapCommand(program: Command): void {
  program
    .command('remap')
    .description('re-queue unmapped/failed events a mapping now handles, and re-project records through the current mappings')
    .option('--entity <name>', "only this entity's records and resource types")
    .option('--source <name>', 'only this source')
    .action(async (opts: { entity?: string; source?: string }, command: Command) => {
      await withCliRuntime(command, async (runtime) => {
        const progress = progressReporter(process.stdout.isTTY === true);
        let summary: RemapSummary;
        try {
          summary = await runtime.remap.run({ entity: opts.entity, source: opts.source, onProgress: progress.update });
        } finally {
          progress.stop();
        }
        process.stdout.write(formatSummary(summary));
        return 0;
      });
    });
}

/** A cli-progress bar on a terminal; otherwise a plain line now and then, for logs and CI. */
function progressReporter(tty: boolean): { update: (checked: number, total: number) => void; stop: () => void } {
  if (tty) {
    const bar = new SingleBar(
      { format: 'records {bar} {value}/{total} ({percentage}%) eta {eta}s', hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update: (checked, total) => {
        if (!started) bar.start(total, 0);
        started = true;
        bar.setTotal(total);
        bar.update(checked);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastAt = Date.now();
  let lastCount = 0;
  return {
    update: (checked, total) => {
      if (checked - lastCount < LOG_EVERY_RECORDS && Date.now() - lastAt < LOG_EVERY_MS && checked < total) return;
      lastAt = Date.now();
      lastCount = checked;
      process.stdout.write(`records checked ${checked}/${total}\n`);
    },
    stop: () => undefined,
  };
}

function formatSummary(s: RemapSummary): string {
  const lines = [
    `records checked: ${s.checked}, changed: ${s.changed}, unchanged: ${s.unchanged}, failing: ${s.failed}, skipped: ${s.skipped}${s.raced ? `, moved on meanwhile: ${s.raced}` : ''}`,
    `events re-queued: ${s.requeued}`,
  ];
  if (s.events.length > 0) {
    const byStatus = new Map<string, number>();
    for (const e of s.events) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
    lines.push(`re-queued events now: ${[...byStatus].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (s.failed > 0 || s.skipped > 0) lines.push('records failing or skipped keep their data; the log (stderr) names each one');
  return `${lines.join('\n')}\n`;
}
