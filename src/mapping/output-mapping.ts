import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { mappingVersion } from './compile-mapping';
import { compileFields, describeFields, inNameOrder, type CompileProblem } from './field-plan';
import { listMappingFiles } from './load-mappings';
import { fieldSchema, testCaseSchema, type TestCase } from './mapping-schema';
import type { CompiledMapping, MappingLoadProblem, MapResult } from './mapping-types';
import { runFieldsAsync, runFieldsSync, type RunContext } from './run-field-plans';
import { YamlSource } from './yaml-source';

/**
 * Output mappings (issue 15): the same language as the inbound files, from a normalized record to what one
 * destination wants (CRM field names, computed values). One file per entity in a connector's folder, by convention
 * `mappings/out/<connector>/<entity>.yaml`. Paths and JSONata read the record's data; `$delivery` is the whole record.
 */

/** The folder of output mapping folders inside a mappings folder: `<dir>/out/<connector>/`. */
export const OUTPUT_MAPPINGS_SUBDIR = 'out';

const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'field names are letters, digits and _ (usable as SQL columns)' });

/** An output mapping file: the entity it shapes, its fields and test cases (inputs are record data). */
export const outputMappingFileSchema = z.strictObject({
  entity: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, { error: 'entity names are lower snake case, e.g. subscription' })
    .describe('The normalized entity this file shapes for its destination.'),
  description: z.string().optional(),
  fields: z.record(fieldName, fieldSchema),
  tests: z.array(testCaseSchema).optional().describe('Test cases; input is the normalized record data.'),
});

export type OutputMappingFile = z.infer<typeof outputMappingFileSchema>;

/** An output mapping file as loaded, shaped like an inbound one so `mappings check|test` treat both alike. */
export interface LoadedOutputMapping {
  file: string;
  mapping?: CompiledMapping;
  definition?: { tests?: TestCase[] };
  problems: MappingLoadProblem[];
}

/**
 * Compiles an output mapping: a CompiledMapping whose `map` takes the record data. It has no resource types and
 * no key of its own (the record keeps its key); `keyOf` answers ''.
 */
export function compileOutputMapping(
  def: OutputMappingFile,
  file: string,
  bytes: string,
): { mapping: CompiledMapping; problems: [] } | { mapping: undefined; problems: CompileProblem[] } {
  const problems: CompileProblem[] = [];
  const plans = compileFields(def.fields, ['fields'], [], problems);
  if (plans.length === 0) problems.push({ path: ['fields'], message: 'a mapping needs at least one field' });
  if (problems.length > 0) return { mapping: undefined, problems };
  const version = mappingVersion(bytes);
  const running = inNameOrder(plans);
  const isAsync = plans.some((p) => p.isAsync);
  const map = (record: unknown): MapResult | Promise<MapResult> => {
    const ctx: RunContext = { file, deliveryUuid: '(record)', root: record, errors: [] };
    const finish = (data: Record<string, unknown>): MapResult =>
      ctx.errors.length > 0 ? { ok: false, errors: ctx.errors } : { ok: true, key: '', data, links: {}, mappingVersion: version };
    if (!isAsync) return finish(runFieldsSync(running, record, ctx, '', ''));
    return runFieldsAsync(running, record, ctx, '', '').then(finish);
  };
  const mapping: CompiledMapping = {
    file,
    resourceTypes: [],
    entity: def.entity,
    version,
    provisional: false,
    fields: describeFields(plans),
    // Links are the inbound mapping's business: they travel with the record, not in what a destination is sent.
    links: [],
    drop: [],
    isAsync,
    keyOf: () => '',
    map,
    matchedPaths: () => ({}),
  };
  return { mapping: Object.freeze(mapping), problems: [] };
}

/** Reads, validates and compiles one output mapping file; every fault comes back as a problem with its line. */
export function loadOutputMappingFile(file: string): LoadedOutputMapping {
  const { text, source, problems } = YamlSource.read(file);
  if (!source || problems.length > 0) return { file, problems };
  const parsed = outputMappingFileSchema.safeParse(source.value());
  if (!parsed.success) return { file, problems: source.schemaProblems(parsed.error.issues) };
  const compiled = compileOutputMapping(parsed.data, file, text);
  if (!compiled.mapping)
    return { file, definition: parsed.data, problems: compiled.problems.map((p) => source.problemAt(p.path, p.message)) };
  const expected = basename(file).replace(/\.ya?ml$/, '');
  if (expected !== parsed.data.entity) {
    return { file, problems: [source.problemAt(['entity'], `an output mapping is named after its entity: ${parsed.data.entity}.yaml`)] };
  }
  return { file, definition: parsed.data, mapping: compiled.mapping, problems: [] };
}

/** Every output mapping of a connector's folder (`<entity>.yaml` each), as loadMappingsSync loads an inbound folder. */
export function loadOutputMappingsSync(dir: string): {
  mappings: CompiledMapping[];
  problems: MappingLoadProblem[];
  files: LoadedOutputMapping[];
} {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { mappings: [], problems: [{ file: dir, line: 0, message: 'output mappings folder not found' }], files: [] };
  }
  const files = listMappingFiles(dir).map(loadOutputMappingFile);
  return { mappings: files.flatMap((f) => (f.mapping ? [f.mapping] : [])), problems: files.flatMap((f) => f.problems), files };
}

/** The output mapping folders of a mappings folder: `<dir>/out/*` (sorted); none when there is no `out/`. */
export function listOutputMappingDirs(dir: string): string[] {
  const out = join(dir, OUTPUT_MAPPINGS_SUBDIR);
  if (!existsSync(out) || !statSync(out).isDirectory()) return [];
  return readdirSync(out, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(out, d.name))
    .sort();
}

/** The published JSON Schema of output mapping files (schema/output-mapping.schema.json), for editors. */
export function outputMappingJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(outputMappingFileSchema, { io: 'input' }),
    $id: 'https://appdirect-sync.local/schema/output-mapping.schema.json',
    title: 'appdirect-sync output mapping file',
  };
}
