import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { MappingLoadProblem } from './mapping-types';

/**
 * A YAML file read with its node positions kept, so a fault found later (by the schema or the compiler) can be
 * reported at its line: an integrator fixes `order.yaml:42`, not "fields.lines.fields.qty.type".
 */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; YAML syntax errors come back as problems with their line. */
  static parse(file: string, text: string): { source: YamlSource; problems: MappingLoadProblem[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    // After the first syntax error the parser mostly reports its consequences: show at most three.
    const problems = doc.errors.slice(0, 3).map((e) => ({
      file,
      line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
      message: e.message.split('\n')[0] ?? e.message,
    }));
    return { source: new YamlSource(file, doc, lines), problems };
  }

  /** Reads and parses a file; an unreadable file is one problem at line 0, YAML syntax errors as in parse(). */
  static read(file: string): { text: string; source: YamlSource | undefined; problems: MappingLoadProblem[] } {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { text: '', source: undefined, problems: [{ file, line: 0, message: `cannot read: ${(err as Error).message}` }] };
    }
    return { text, ...YamlSource.parse(file, text) };
  }

  /** The parsed value (plain JSON-like objects). */
  value(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /**
   * The 1-based line of the node at `path` (map keys and sequence indexes). When the path leads past the
   * document (a missing key), the line of the deepest node that exists: the place where the key belongs.
   */
  lineOf(path: ReadonlyArray<PropertyKey>): number {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === step);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        const item = node.items[step] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset).line;
  }

  /** Turns a path-and-message fault into a problem with this file's line. */
  problemAt(path: ReadonlyArray<PropertyKey>, message: string): MappingLoadProblem {
    const where = path.length > 0 ? `${path.map(String).join('.')}: ` : '';
    return { file: this.file, line: this.lineOf(path), message: `${where}${message}` };
  }

  /** Schema issues as problems, one per issue, with messages a person can act on. */
  schemaProblems(issues: readonly z.core.$ZodIssue[]): MappingLoadProblem[] {
    return issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const [first] = issue.keys;
        return this.problemAt(first === undefined ? issue.path : [...issue.path, first], `unknown key ${issue.keys.join(', ')}`);
      }
      if (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator') {
        return this.problemAt(issue.path, 'type must be one of string, integer, decimal, boolean, date, datetime, enum, json, collection');
      }
      if (issue.code === 'invalid_union' && issue.errors.length > 0) return this.problemAt(issue.path, unionMessage(issue.errors));
      if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
        return this.problemAt(issue.path, `required key is missing (expected ${issue.expected})`);
      }
      return this.problemAt(issue.path, issue.message);
    });
  }
}

const KIND_WORDS: Record<string, string> = {
  array: 'a list',
  record: 'a map',
  object: 'a map',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
};

/**
 * Says in words what a union key accepts (zod's own message is only "Invalid input"): `values` of an enum is
 * "a list or a map". A branch that failed deeper than its top is described by its first issue.
 */
function unionMessage(branches: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>>): string {
  const expected: string[] = [];
  let missing = false;
  for (const [first] of branches) {
    if (!first) continue;
    if (first.code === 'invalid_type' && first.path.length === 0) {
      expected.push(KIND_WORDS[first.expected] ?? first.expected);
      missing ||= /received undefined/.test(first.message);
    } else {
      expected.push(`${first.path.length > 0 ? `${first.path.join('.')}: ` : ''}${first.message}`);
    }
  }
  const what = [...new Set(expected)].join(' or ');
  return missing ? `required key is missing (expected ${what})` : `expected ${what}`;
}
