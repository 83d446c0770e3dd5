import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { diffJson, formatDiff } from './json-diff';
import { loadMappingsSync, TEST_FILE_SUFFIX, type LoadedMappingFile } from './load-mappings';
import { listOutputMappingDirs, loadOutputMappingsSync } from './output-mapping';
import { testFileSchema, type TestCase } from './mapping-schema';
import type { CompiledMapping, MappingIssue, MappingLoadProblem } from './mapping-types';
import { YamlSource } from './yaml-source';

/**
 * Benthos-style mapping tests: each case gives a delivery and the record (exact or subset), the key or the
 * errors the mapping must produce. Cases live in the mapping file (`tests:`) or beside it in `<name>.tests.yaml`.
 * Both `appdirect-sync mappings test` and `npm test` run them through this module.
 */

/** A case ready to run: where it came from and the mapping it exercises. */
export interface RunnableCase {
  name: string;
  /** The file that holds the case (the mapping file or its .tests.yaml). */
  file: string;
  mapping: CompiledMapping;
  spec: TestCase;
}

/** Loaded mapping files with their cases: an inbound folder (loadMappingsSync) or an output one (loadOutputMappingsSync). */
export interface TestableFiles {
  files: ReadonlyArray<Pick<LoadedMappingFile, 'file' | 'mapping'> & { definition?: { tests?: TestCase[] } }>;
  problems: MappingLoadProblem[];
}

/** The outcome of one case; `failure` explains a mismatch in readable lines. */
export interface CaseResult {
  name: string;
  file: string;
  passed: boolean;
  failure?: string;
}

/**
 * Collects every case of the mappings in `dir`. Broken mapping or test files come back as problems (their cases
 * cannot run); a test file whose mapping is missing is a problem too.
 */
export function collectMappingTests(
  dir: string,
  load: (dir: string) => TestableFiles = loadMappingsSync,
): { cases: RunnableCase[]; problems: MappingLoadProblem[] } {
  const { files, problems } = load(dir);
  const byFile = new Map<string, TestableFiles['files'][number]>(files.map((f) => [resolve(f.file), f]));
  const cases: RunnableCase[] = [];
  for (const f of files) {
    if (!f.mapping) continue;
    for (const spec of f.definition?.tests ?? []) cases.push({ name: spec.name, file: f.file, mapping: f.mapping, spec });
  }
  const testFiles = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => TEST_FILE_SUFFIX.test(n))
        .sort()
    : [];
  for (const name of testFiles) {
    const file = join(dir, name);
    // An unreadable test file is one more problem listed with the others, not a crash of the whole run.
    const { source, problems: yamlProblems } = YamlSource.read(file);
    if (!source || yamlProblems.length > 0) {
      problems.push(...yamlProblems);
      continue;
    }
    const parsed = testFileSchema.safeParse(source.value());
    if (!parsed.success) {
      problems.push(...source.schemaProblems(parsed.error.issues));
      continue;
    }
    const target = resolve(dir, parsed.data.mapping ?? name.replace(TEST_FILE_SUFFIX, '.yaml'));
    const loaded = byFile.get(target);
    if (!loaded) {
      problems.push(source.problemAt(['mapping'], `no mapping file ${basename(target)} beside this test file`));
      continue;
    }
    if (!loaded.mapping) continue; // its own problems are already listed
    for (const spec of parsed.data.cases) cases.push({ name: spec.name, file, mapping: loaded.mapping, spec });
  }
  return { cases, problems };
}

/** Every case of a mappings folder run: the results in order, the files that could not load, and the counts. */
export interface MappingTestRun {
  results: CaseResult[];
  problems: MappingLoadProblem[];
  passed: number;
  failed: number;
}

/**
 * Runs the cases of the mappings in `dir` (only those whose name or file contains `filter`, when given): what
 * `mappings test` prints and `POST /api/v1/admin/mappings/test` answers.
 */
export async function runMappingTests(dir: string, filter?: string): Promise<MappingTestRun> {
  const { cases, problems } = collectAllMappingTests(dir);
  const results: CaseResult[] = [];
  for (const c of cases) {
    if (filter && !c.name.includes(filter) && !c.file.includes(filter)) continue;
    results.push(await runMappingTest(c));
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, problems, passed, failed: results.length - passed };
}

/** The cases of the inbound mappings of `dir` and of every output mapping folder under `<dir>/out/` (issue 15). */
export function collectAllMappingTests(dir: string): { cases: RunnableCase[]; problems: MappingLoadProblem[] } {
  const inbound = collectMappingTests(dir);
  const cases = [...inbound.cases];
  const problems = [...inbound.problems];
  for (const outDir of listOutputMappingDirs(dir)) {
    const out = collectMappingTests(outDir, loadOutputMappingsSync);
    cases.push(...out.cases);
    problems.push(...out.problems);
  }
  return { cases, problems };
}

/** Runs one case. Never throws for a mismatch or a bad input file: both are a failed result. */
export async function runMappingTest(c: RunnableCase): Promise<CaseResult> {
  const fail = (failure: string): CaseResult => ({ name: c.name, file: c.file, passed: false, failure });
  let input: unknown;
  try {
    input = buildInput(c);
  } catch (err) {
    return fail(`cannot build the input: ${(err as Error).message}`);
  }
  const { spec, mapping } = c;
  const lines: string[] = [];
  if (spec.expectKey !== undefined) {
    let key: string;
    try {
      key = mapping.keyOf(input);
    } catch (err) {
      key = `(error: ${(err as Error).message})`;
    }
    if (key !== spec.expectKey) lines.push(`key\n  - ${JSON.stringify(spec.expectKey)}\n  + ${JSON.stringify(key)}`);
  }
  const result = await mapping.map(input);
  const expected = spec.expect ?? spec.expectSubset;
  if (spec.expectError !== undefined) {
    const wanted = Array.isArray(spec.expectError) ? spec.expectError : [spec.expectError];
    if (result.ok) lines.push(`expected errors but the mapping succeeded with:\n${indentJson(result.data)}`);
    else {
      for (const w of wanted) {
        if (!result.errors.some((e) => issueMatches(e, w))) {
          lines.push(
            `no error matches ${JSON.stringify(w)}; the errors were:\n${result.errors.map((e) => `  ${e.code} ${e.field}: ${e.message}`).join('\n')}`,
          );
        }
      }
    }
  } else if (expected !== undefined) {
    if (!result.ok)
      lines.push(`expected a record but the mapping failed:\n${result.errors.map((e) => `  ${e.code}: ${e.message}`).join('\n')}`);
    else {
      const diff = diffJson(expected, result.data, { subset: spec.expect === undefined, ignore: spec.ignore });
      if (diff.length > 0) lines.push(`record differs (- expected, + actual):\n${formatDiff(diff, '  ')}`);
    }
  } else if (spec.expectKey === undefined && spec.expectLinks === undefined) {
    lines.push('the case states no expectation (expect, expectSubset, expectLinks, expectError or expectKey)');
  }
  if (spec.expectLinks !== undefined) {
    if (!result.ok)
      lines.push(`expected links but the mapping failed:\n${result.errors.map((e) => `  ${e.code}: ${e.message}`).join('\n')}`);
    else {
      // A link expected as null must be absent; links the case does not name are not checked.
      const wanted = Object.fromEntries(Object.entries(spec.expectLinks).filter(([, v]) => v !== null));
      const actual = Object.fromEntries(Object.keys(spec.expectLinks).map((n) => [n, result.links[n] ?? null]));
      const diff = diffJson({ ...Object.fromEntries(Object.keys(spec.expectLinks).map((n) => [n, null])), ...wanted }, actual);
      if (diff.length > 0) lines.push(`links differ (- expected, + actual):\n${formatDiff(diff, '  ')}`);
    }
  }
  return lines.length > 0 ? fail(lines.join('\n')) : { name: c.name, file: c.file, passed: true };
}

function buildInput(c: RunnableCase): unknown {
  const { spec } = c;
  if ((spec.input === undefined) === (spec.inputFile === undefined)) throw new Error('give exactly one of input or inputFile');
  const base: unknown = spec.input ?? JSON.parse(readFileSync(resolve(dirname(c.file), spec.inputFile as string), 'utf8'));
  const input = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of Object.entries(spec.set ?? {})) setPath(input, path.split('.'), value);
  for (const path of spec.unset ?? []) setPath(input, path.split('.'), undefined);
  return input;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) {
      if (value === undefined) delete node[k];
      else node[k] = value;
      return;
    }
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  });
}

function issueMatches(issue: MappingIssue, want: { code?: string; field?: string; path?: string; message?: string }): boolean {
  return (
    (want.code === undefined || issue.code === want.code) &&
    (want.field === undefined || issue.field === want.field) &&
    (want.path === undefined || issue.path === want.path) &&
    (want.message === undefined || issue.message.includes(want.message))
  );
}

function indentJson(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/^/gm, '  ');
}
