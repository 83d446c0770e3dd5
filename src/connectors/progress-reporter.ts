import { Presets, SingleBar } from 'cli-progress';
import type { Logger } from '../core/logger';
import type { ProgressReporter } from './connector';

/**
 * Progress as log lines: one `connector progress` line at most every `intervalMs`, and one at the end when the run
 * took longer than that. For scheduled runs and output that is not a terminal.
 */
export function logProgress(logger: Logger, connector: string, intervalMs = 10_000, now: () => number = Date.now): ProgressReporter {
  let total = 0;
  let done = 0;
  let startedAt = 0;
  let lastLogAt = 0;
  const log = () => {
    lastLogAt = now();
    logger.info({ connector, done, total, elapsedMs: lastLogAt - startedAt }, 'connector progress');
  };
  return {
    start: (t) => {
      total = t;
      startedAt = lastLogAt = now();
    },
    update: (d) => {
      done = d;
      if (now() - lastLogAt >= intervalMs) log();
    },
    stop: () => {
      if (now() - startedAt >= intervalMs) log();
    },
  };
}

/** Progress as a cli-progress bar on `stream` (a terminal): feed positions done of those behind at the start. */
export function barProgress(connector: string, stream: NodeJS.WritableStream = process.stderr): ProgressReporter {
  const bar = new SingleBar(
    {
      format: `${connector} [{bar}] {percentage}% | {value}/{total} changes | {duration_formatted}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    start: (total) => {
      bar.start(Math.max(total, 1), 0);
      started = true;
    },
    update: (done) => {
      if (started) bar.update(Math.min(done, bar.getTotal()));
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
