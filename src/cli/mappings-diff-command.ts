import type { Command } from 'commander';
import { formatProblem, loadMappings } from '../mapping';
import { formatDiff } from '../mapping/json-diff';
import type { EventDiff } from '../worker/mapping-diff-service';
import { configFromCli } from './cli-config';
import { onDatabase } from './cli-runtime';
import { parseCountOption } from './time-option';

/**
 * `appdirect-sync mappings diff`: runs recent processed events through the mapping files on disk (not the ones
 * the service has loaded) and prints, field by field, what would change. Read-only; exit 0 whatever it finds.
 */
export function registerMappingsDiffCommand(group: Command): void {
  group
    .command('diff')
    .description('compare recent done/stale events mapped by the files on disk with what is stored')
    .option('--dir <dir>', 'mappings folder (default: config mappings.dir)')
    .option('--last <n>', 'how many recent events', '50')
    .option('--entity <name>', 'only events of this entity')
    .action(async (opts: { dir?: string; last: string; entity?: string }, command: Command) => {
      const config = configFromCli(command, ['db', 'mappings']);
      const dir = opts.dir ?? config.mappings.dir;
      const { mappings, problems } = await loadMappings(dir);
      for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
      const last = parseCountOption(opts.last, '--last');
      const diffs = await onDatabase(command, (c) => c.mappingDiff.diff(mappings, { last, entity: opts.entity }), ['db', 'mappings']);
      process.stdout.write(formatDiffs(diffs));
    });
}

/** One block per event that differs or now fails, then the summary line. */
export function formatDiffs(diffs: readonly EventDiff[]): string {
  const out: string[] = [];
  let different = 0;
  let unchanged = 0;
  let failing = 0;
  let skipped = 0;
  for (const d of diffs) {
    const head = `event ${d.event.id}  ${d.event.source}  ${d.event.resourceType} ${d.event.action}  ${d.event.resourceUuid}`;
    if (d.outcome === 'unchanged') unchanged++;
    else if (d.outcome === 'skipped') skipped++;
    else if (d.outcome === 'failing') {
      failing++;
      out.push(`${head}  now fails`);
      for (const i of d.issues)
        out.push(`    ${i.code}: ${i.message}`, `      file: ${i.file || '-'}  field: ${i.field || '-'}  path: ${i.path || '-'}`);
    } else {
      different++;
      const against =
        d.comparedWith === 'superseded' ? 'superseded, compared with current record' : `compared with stored ${d.comparedWith}`;
      out.push(`${head}  (${against})`, formatDiff(d.entries));
    }
  }
  out.push(
    `${diffs.length} event(s) compared: ${different} with differences, ${unchanged} unchanged, ${failing} now failing${skipped ? `, ${skipped} skipped (payload purged or no content)` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
