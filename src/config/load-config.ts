import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configIssueMessage } from './config-messages';
import { configSchema, type Config } from './config-schema';

/** Thrown when the configuration is invalid; `problems` lists each with its key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Folder with default.yaml (and optionally local.yaml). Default: ./config, or APPDIRECT_SYNC_CONFIG_DIR. */
  configDir?: string;
  /** Further YAML files laid over the folder's, in order. */
  files?: string[];
  /** The environment to read; process.env by default. This file is the only reader of process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Validate only these key paths (`db`, `connectors.crm`), plus `environment`; every other section takes its
   * defaults. A CLI command names what it uses, so a secret it never reads (a connector's) need not be in the shell.
   * Default: everything.
   */
  only?: readonly string[];
}

/**
 * Sections that are explicit sets: a file that names one replaces the set of the files before it, so an overlay
 * can drop an entry (the `demo` source of config/default.yaml). Environment overrides still name single keys.
 * See docs/adr/0011-explicit-config-sets.md.
 */
const REPLACED_BY_FILE = new Set(['sources', 'connectors']);

const ENV_PREFIX = 'APPDIRECT_SYNC__';

/**
 * Loads config/default.yaml, config/local.yaml, any extra files, then environment overrides, validates the
 * result against the one schema and freezes it.
 *
 * Environment overrides name a key path with double underscores: `APPDIRECT_SYNC__server__port=9000`.
 * A variable ending in `_FILE` takes its value from that file, for secrets mounted as files:
 * `APPDIRECT_SYNC__sources__shop__auth__tokens__0__value_FILE=/run/secrets/shop-token`.
 * `PORT`, `HOST` and `DATABASE_URL` are honoured as the usual shorthands.
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? env.APPDIRECT_SYNC_CONFIG_DIR ?? join(process.cwd(), 'config');
  const problems: string[] = [];
  let merged: Record<string, unknown> = {};

  const files = [join(dir, 'default.yaml'), join(dir, 'local.yaml'), ...(options.files ?? [])];
  const extra = env.APPDIRECT_SYNC_CONFIG;
  if (extra) files.push(extra);
  for (const file of files) {
    const isOptional = file === join(dir, 'local.yaml') || file === join(dir, 'default.yaml');
    if (!existsSync(file)) {
      if (!isOptional) problems.push(`${file}: file not found`);
      continue;
    }
    try {
      const doc: unknown = parseYaml(readFileSync(file, 'utf8')) ?? {};
      if (!isPlainObject(doc)) problems.push(`${file}: the top level must be a mapping`);
      else merged = overlayFile(merged, doc);
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  merged = deepMerge(merged, readEnvOverrides(env, problems), 'by-index');
  if (problems.length > 0) throw new ConfigError(problems);

  const result = configSchema.safeParse(options.only ? pickPaths(merged, ['environment', ...options.only]) : merged, {
    error: configIssueMessage,
  });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return deepFreeze(result.data);
}

/** Lays one file over the files before it: key by key, except the explicit sets, which it replaces whole. */
function overlayFile(base: Record<string, unknown>, doc: Record<string, unknown>): Record<string, unknown> {
  const out = deepMerge(base, doc);
  for (const key of REPLACED_BY_FILE) if (key in doc) out[key] = doc[key];
  return out;
}

/** Only the given dotted key paths of a config tree (absent ones stay absent, and take their defaults). */
function pickPaths(tree: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split('.');
    let from: unknown = tree;
    for (const key of keys) from = isPlainObject(from) && Object.hasOwn(from, key) ? from[key] : undefined;
    if (from !== undefined) setPath(out, keys, from);
  }
  return out;
}

function readEnvOverrides(env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.PORT) setPath(out, ['server', 'port'], Number(env.PORT));
  if (env.HOST) setPath(out, ['server', 'host'], env.HOST);
  if (env.DATABASE_URL) setPath(out, ['db', 'url'], env.DATABASE_URL);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    let keyPath = name.slice(ENV_PREFIX.length);
    let value: unknown;
    if (keyPath.endsWith('_FILE')) {
      keyPath = keyPath.slice(0, -'_FILE'.length);
      try {
        value = readFileSync(raw, 'utf8').trim();
      } catch {
        // The path is not secret; the file's content is, so only the path is reported.
        problems.push(`${name}: cannot read file ${raw}`);
        continue;
      }
    } else {
      value = parseScalar(raw);
    }
    setPath(out, keyPath.split('__'), value);
  }
  return out;
}

/** Numbers and booleans in the environment arrive as text; read them as YAML would. */
function parseScalar(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const nextIsIndex = /^\d+$/.test(path[i + 1] ?? '');
    if (!isPlainObject(node[key]) && !Array.isArray(node[key])) node[key] = nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A later file replaces a list whole; an env override (`by-index`) replaces only the items it names. */
function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  arrays: 'replace' | 'by-index' = 'replace',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    if (isPlainObject(prev) && isPlainObject(v)) out[k] = deepMerge(prev, v, arrays);
    else if (arrays === 'by-index' && Array.isArray(prev) && Array.isArray(v)) out[k] = mergeArrays(prev, v);
    else out[k] = v;
  }
  return out;
}

function mergeArrays(base: unknown[], over: unknown[]): unknown[] {
  const out = [...base];
  over.forEach((v, i) => {
    const prev = out[i];
    out[i] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v, 'by-index') : v;
  });
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
