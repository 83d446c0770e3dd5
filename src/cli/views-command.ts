import type { Command } from 'commander';
import { loadMappingsSync, MappingLoadError, type CompiledMapping } from '../mapping';
import { entityViews, type ViewDialect } from '../records/entity-views';
import { withTransaction } from '../db/transaction';
import { configFromCli } from './cli-config';
import { withDatabase } from './cli-runtime';

/**
 * `appdirect-sync views refresh|show`: the SQL view of each entity (docs/sql-views.md). `serve` refreshes them at
 * start and after each hot reload; `refresh` is for a database the service is not running on, or after a failure.
 */
export function registerViewsCommand(program: Command): void {
  const views = program.command('views').description('one SQL view per entity, generated from the mapping files');
  views
    .command('refresh')
    .description('create, replace or drop the entity views so they match the mapping files')
    .action(async (_opts, command: Command) => {
      const mappings = loadMappings(command);
      await withDatabase(command, async (c) => {
        const store = c.stores.entityViews;
        const r = await withTransaction(c.db, (trx) => store.apply(trx, entityViews(mappings, store.dialect)));
        for (const [what, names] of [
          ['created', r.created],
          ['replaced', r.replaced],
          ['unchanged', r.unchanged],
          ['dropped', r.dropped],
        ] as const) {
          for (const name of names) process.stdout.write(`${what.padEnd(10)} ${name}\n`);
        }
      });
    });
  views
    .command('show <entity>')
    .description("print the SQL of an entity's view")
    .option('--dialect <dialect>', 'sqlite or pg (default: the configured db.client)')
    .action((entity: string, opts: { dialect?: string }, command: Command) => {
      const dialect = opts.dialect ?? configFromCli(command, ['db']).db.client;
      if (dialect !== 'sqlite' && dialect !== 'pg') throw new Error('--dialect must be sqlite or pg');
      const all = entityViews(loadMappings(command), dialect as ViewDialect);
      const view = all.find((v) => v.entity === entity);
      if (!view) throw new Error(`no mapping has entity ${entity}; entities: ${all.map((v) => v.entity).join(', ')}`);
      const columns = view.columns.map((c) => `--   ${c.column.padEnd(32)} ${c.type.padEnd(10)} from field ${c.field}`);
      process.stdout.write(
        `-- ${view.name}: one row per ${entity} record (deleted ones flagged)\n${columns.join('\n')}\n${view.createSql};\n`,
      );
    });
}

/** The configured mapping files; any broken one stops the command, as it stops the service. */
function loadMappings(command: Command): CompiledMapping[] {
  const { mappings, problems } = loadMappingsSync(configFromCli(command, ['mappings']).mappings.dir);
  if (problems.length > 0) throw new MappingLoadError(problems);
  return mappings;
}
