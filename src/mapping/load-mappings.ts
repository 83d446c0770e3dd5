import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileMapping } from './compile-mapping';
import { fieldSchema, mappingFileSchema, type MappingFile } from './mapping-schema';
import type { CompiledMapping, MappingLoadProblem } from './mapping-types';
import { YamlSource } from './yaml-source';

/** Test files sit beside mapping files and are not mappings themselves. */
export const TEST_FILE_SUFFIX = /\.tests\.ya?ml$/;

/** A mapping file as loaded: the compiled mapping (when valid), its definition and its YAML source. */
export interface LoadedMappingFile {
  file: string;
  mapping?: CompiledMapping;
  definition?: MappingFile;
  source?: YamlSource;
  problems: MappingLoadProblem[];
}

/** The mapping files of a folder (`*.yaml`, `*.yml`, not `*.tests.yaml`), sorted for stable reports. */
export function listMappingFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name) && !TEST_FILE_SUFFIX.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Reads, validates and compiles one mapping file. Never throws for a fault in the file: every fault comes back
 * as a problem with its line.
 */
export function loadMappingFile(file: string): LoadedMappingFile {
  const { text, source, problems } = YamlSource.read(file);
  if (!source || problems.length > 0) return { file, source, problems };
  const parsed = mappingFileSchema.safeParse(source.value());
  if (!parsed.success) {
    const problems = [...source.schemaProblems(parsed.error.issues), ...problemsOfValidFields(source, file, text)];
    return { file, source, problems: problems.sort((a, b) => a.line - b.line) };
  }
  const compiled = compileMapping(parsed.data, file, text);
  if (!compiled.mapping) {
    return { file, source, definition: parsed.data, problems: compiled.problems.map((p) => source.problemAt(p.path, p.message)) };
  }
  return { file, source, definition: parsed.data, mapping: compiled.mapping, problems: [] };
}

/**
 * A file with schema errors still has its other fields compiled, so one bad field hides no fault of another
 * (`mappings check` lists them all at once). Only when the rest of the file is schema-valid.
 */
function problemsOfValidFields(source: YamlSource, file: string, text: string): MappingLoadProblem[] {
  const value = source.value();
  if (!isRecord(value) || !isRecord(value.fields)) return [];
  const fields = Object.fromEntries(Object.entries(value.fields).filter(([, f]) => fieldSchema.safeParse(f).success));
  const rest = mappingFileSchema.safeParse({ ...value, fields, tests: undefined });
  if (!rest.success) return [];
  // Only faults of a kept field: dropping the bad ones could make the file look wrong as a whole (no fields left).
  const own = compileMapping(rest.data, file, text).problems.filter(
    (p) => p.path[0] === 'fields' && Object.hasOwn(fields, String(p.path[1])),
  );
  return own.map((p) => source.problemAt(p.path, p.message));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Loads every mapping file of `dir` synchronously (mocha registers one test per case at load time, which cannot
 * wait). Two files claiming the same resource type are both a problem for the later one.
 */
export function loadMappingsSync(dir: string): { mappings: CompiledMapping[]; problems: MappingLoadProblem[]; files: LoadedMappingFile[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { mappings: [], problems: [{ file: dir, line: 0, message: 'mappings folder not found' }], files: [] };
  }
  const files = listMappingFiles(dir).map(loadMappingFile);
  const problems = files.flatMap((f) => f.problems);
  const owner = new Map<string, string>();
  const mappings: CompiledMapping[] = [];
  for (const loaded of files) {
    const m = loaded.mapping;
    if (!m) continue;
    const taken = m.resourceTypes.filter((t) => owner.has(t));
    if (taken.length > 0) {
      const message = `resource type ${taken.join(', ')} is already mapped by ${taken.map((t) => owner.get(t)).join(', ')}`;
      const problem = loaded.source?.problemAt(['resourceType'], message) ?? { file: m.file, line: 0, message };
      loaded.problems.push(problem);
      problems.push(problem);
      delete loaded.mapping;
      continue;
    }
    for (const t of m.resourceTypes) owner.set(t, m.file);
    mappings.push(m);
  }
  return { mappings, problems, files };
}

/**
 * Loads every mapping file of `dir`. The service refuses to start when `problems` is not empty.
 * @example const { mappings, problems } = await loadMappings('mappings')
 */
export async function loadMappings(dir: string): Promise<{ mappings: CompiledMapping[]; problems: MappingLoadProblem[] }> {
  const { mappings, problems } = loadMappingsSync(dir);
  return { mappings, problems };
}

/** One line per problem, `file:line: message`, as compilers print them (editors make them clickable). */
export function formatProblem(p: MappingLoadProblem): string {
  return `${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.message}`;
}
