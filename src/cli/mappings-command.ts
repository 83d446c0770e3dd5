import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  collectMappingTests,
  formatProblem,
  listOutputMappingDirs,
  loadMappingsSync,
  loadOutputMappingsSync,
  outputMappingJsonSchema,
  previewMapping,
  runMappingTests,
} from '../mapping';
import { AppError } from '../core/app-error';
import { mappingJsonSchemas } from '../mapping/mapping-schema';
import { configFromCli } from './cli-config';
import { withDatabase } from './cli-runtime';
import { registerMappingsDiffCommand } from './mappings-diff-command';

/** Where command output goes; tests pass string sinks instead of the process streams. */
export interface CommandOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processOutput: CommandOutput = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/**
 * `appdirect-sync mappings check`: validate every mapping file, as the service does at start.
 * @returns the exit code: 0 when all files are valid, 1 otherwise.
 */
export function mappingsCheck(dir: string, io: CommandOutput = processOutput): number {
  const { mappings } = loadMappingsSync(dir);
  // The test collection loads the files again: its problems already hold every load problem, each once.
  const all = collectMappingTests(dir).problems;
  for (const m of mappings) {
    io.out(`ok  ${m.file}  ${m.resourceTypes.join(',')} -> ${m.entity}  version ${m.version}${m.provisional ? '  (provisional)' : ''}\n`);
  }
  let valid = mappings.length;
  // Output mappings of the connectors (`<dir>/out/<connector>/<entity>.yaml`), checked the same way.
  for (const outDir of listOutputMappingDirs(dir)) {
    const out = loadOutputMappingsSync(outDir);
    all.push(...collectMappingTests(outDir, loadOutputMappingsSync).problems);
    for (const m of out.mappings) io.out(`ok  ${m.file}  ${m.entity} -> output  version ${m.version}\n`);
    valid += out.mappings.length;
  }
  for (const p of all) io.err(`${formatProblem(p)}\n`);
  io.out(`${valid} mapping(s) valid, ${all.length} problem(s)\n`);
  return all.length > 0 ? 1 : 0;
}

/**
 * `appdirect-sync mappings test`: run every test case; print a field-level diff for each mismatch.
 * @returns the exit code: 0 when every case passes and every file loads, 1 otherwise.
 */
export async function mappingsTest(dir: string, io: CommandOutput = processOutput, filter?: string): Promise<number> {
  const { results, problems, failed } = await runMappingTests(dir, filter);
  for (const p of problems) io.err(`${formatProblem(p)}\n`);
  for (const r of results) {
    if (r.passed) io.out(`  pass  ${r.file}  ${r.name}\n`);
    else io.out(`  FAIL  ${r.file}  ${r.name}\n${(r.failure ?? '').replace(/^/gm, '        ')}\n`);
  }
  io.out(`${results.length - failed} passed, ${failed} failed, ${problems.length} file problem(s)\n`);
  return failed > 0 || problems.length > 0 || results.length === 0 ? 1 : 0;
}

/**
 * `appdirect-sync mappings preview <delivery.json>`: the normalized record of one delivery, or its errors.
 * @returns the exit code: 0 for a record, 1 for mapping errors or an unusable input.
 */
export async function mappingsPreview(dir: string, deliveryFile: string, io: CommandOutput = processOutput): Promise<number> {
  let text: string;
  try {
    text = readFileSync(deliveryFile, 'utf8');
  } catch (err) {
    io.err(`${deliveryFile}: ${(err as Error).message}\n`);
    return 1;
  }
  return previewDelivery(dir, deliveryFile, text, io);
}

/** Previews a delivery given as JSON text; `label` names it in errors (a file name, or `event 42`). */
export async function previewDelivery(dir: string, label: string, text: string, io: CommandOutput = processOutput): Promise<number> {
  const { mappings, problems } = loadMappingsSync(dir);
  for (const p of problems) io.err(`${formatProblem(p)}\n`);
  let delivery: unknown;
  try {
    delivery = JSON.parse(text);
  } catch (err) {
    io.err(`${label}: ${(err as Error).message}\n`);
    return 1;
  }
  const preview = await previewMapping((type) => mappings.find((m) => m.resourceTypes.includes(type)), delivery);
  if (!preview.ok) {
    for (const e of preview.errors) {
      io.err(e.code === 'MAPPING_NOT_FOUND' ? `${e.code}: ${e.message} in ${dir}\n` : `${e.code}: ${e.message}\n`);
    }
    if (preview.key !== null) io.err(`record key (keyOf): ${preview.key}\n`);
    return 1;
  }
  const { mapping, entity, key, mappingVersion, data, links, matchedPaths } = preview;
  io.out(`${JSON.stringify({ mapping, entity, key, mappingVersion, data, links, matchedPaths }, null, 2)}\n`);
  return 0;
}

/** `appdirect-sync mappings …`: check, test, preview, diff and schema. */
export function registerMappingsCommand(program: Command): void {
  const group = program.command('mappings').description('check, test and preview the mapping files');
  const dirOf = (command: Command): string => {
    const opts = command.optsWithGlobals<{ dir?: string }>();
    return opts.dir ?? configFromCli(command, ['mappings']).mappings.dir;
  };
  group
    .command('check')
    .description('validate every mapping and test file; print file:line for each fault')
    .option('--dir <dir>', 'mappings folder (default: config mappings.dir)')
    .action((_opts, command: Command) => {
      process.exitCode = mappingsCheck(dirOf(command));
    });
  group
    .command('test')
    .description('run every mapping test case; print a diff for each mismatch')
    .option('--dir <dir>', 'mappings folder (default: config mappings.dir)')
    .option('--filter <text>', 'only cases whose name or file contains this text')
    .action(async (opts: { filter?: string }, command: Command) => {
      process.exitCode = await mappingsTest(dirOf(command), processOutput, opts.filter);
    });
  group
    .command('preview <delivery>')
    .description('print the normalized record (or the errors) for a delivery JSON file or a stored event id')
    .option('--dir <dir>', 'mappings folder (default: config mappings.dir)')
    .action(async (delivery: string, _opts, command: Command) => {
      if (!/^\d+$/.test(delivery) || existsSync(delivery)) {
        process.exitCode = await mappingsPreview(dirOf(command), delivery);
        return;
      }
      const dir = dirOf(command);
      await withDatabase(command, async (c) => {
        const event = await c.events.get(Number(delivery));
        if (!event) throw new AppError('EVENT_NOT_FOUND', `no event with id ${delivery}`);
        if (event.payloadPurgedAt)
          throw new AppError(
            'EVENT_PAYLOAD_PURGED',
            `event ${delivery}: body purged by retention at ${event.payloadPurgedAt.toISOString()}`,
          );
        return previewDelivery(dir, `event ${delivery}`, event.body.toString('utf8'));
      });
    });
  registerMappingsDiffCommand(group);
  group
    .command('schema')
    .description('print the JSON Schema of mapping files (schema/mapping.schema.json)')
    .option('--tests', 'the schema of *.tests.yaml files instead')
    .option('--output', 'the schema of output mapping files (schema/output-mapping.schema.json) instead')
    .action((opts: { tests?: boolean; output?: boolean }) => {
      const schemas = mappingJsonSchemas();
      const schema = opts.output ? outputMappingJsonSchema() : schemas[opts.tests ? 'mapping-tests.schema.json' : 'mapping.schema.json'];
      process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });
}
