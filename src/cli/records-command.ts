import type { Command } from 'commander';
import type { DanglingLink, DanglingLinkCount } from '../records/record-link-store';
import { DATABASE_ONLY } from './cli-config';
import { withDatabase } from './cli-runtime';

/** The database, and the mapping files: they say which entities a link may point at. */
const WITH_MAPPINGS = [...DATABASE_ONLY, 'mappings'];

/** Listed links by default; the counts always cover every dangling link. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 100_000;

/**
 * `appdirect-sync records links --dangling [--entity E]`: links whose target record is not in the store, with counts
 * per entity and link. These are the records a backfill or a re-fetch should bring (docs/operations.md).
 */
export function registerRecordsCommand(program: Command): void {
  const records = program.command('records').description('the local record store');
  records
    .command('links')
    .description('links between records; --dangling lists those whose target is not in the store')
    .requiredOption('--dangling', 'only links whose target record is missing (the only listing so far)')
    .option('--entity <entity>', 'only links of records of this entity')
    .option('--limit <n>', `links listed (default ${DEFAULT_LIMIT}); the counts cover all`, String(DEFAULT_LIMIT))
    .option('--json', 'machine-readable output')
    .action(async (opts: { entity?: string; limit: string; json?: boolean }, command: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_LIMIT) throw new Error(`--limit must be 0 to ${MAX_LIMIT}`);
      await withDatabase(
        command,
        async (c) => {
          // Links to an entity no mapping produces are left out: nothing could bring their targets.
          const targetEntities = [...new Set(c.mappings.all().map((m) => m.entity))];
          const found = await c.stores.recordLinks.dangling({ entity: opts.entity, targetEntities, limit });
          process.stdout.write(opts.json ? `${JSON.stringify(found)}\n` : formatDangling(found.links, found.counts));
        },
        WITH_MAPPINGS,
      );
    });
}

/** The text listing: one line per link, then the counts. */
export function formatDangling(links: DanglingLink[], counts: DanglingLinkCount[]): string {
  if (counts.length === 0) return 'no dangling links\n';
  const lines = links.map(
    (l) =>
      `${l.entity} ${l.key} (${l.source})  ${l.link} -> ${l.target.entity} ${l.target.key}${l.target.match ? ` (or its ${l.target.match})` : ''}`,
  );
  const total = counts.reduce((n, c) => n + c.count, 0);
  if (links.length < total) lines.push(`… ${total - links.length} more (raise --limit)`);
  lines.push('', 'dangling links per entity and link:');
  for (const c of counts) lines.push(`  ${`${c.entity}.${c.link}`.padEnd(32)} -> ${c.targetEntity.padEnd(16)} ${c.count}`);
  return `${lines.join('\n')}\n`;
}
