import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FakeClock } from '../../src/core/clock';
import type { Logger } from '../../src/core/logger';
import { FileMappingRegistry } from '../../src/mapping';
import { buildRuntime, type Runtime } from '../../src/main';
import type { StoredRecord } from '../../src/records/record-store';
import { runCli, type CliResult } from './run-cli';
import { delivery, testConfig } from './test-runtime';

/** A mapping with a required `name`: the failure the redrive tests start from. */
export const WIDGET_STRICT = `resourceType: WIDGET
entity: widget
fields:
  id:    { type: string, from: resource.content.id, required: true }
  name:  { type: string, from: resource.content.name, required: true }
  color: { type: string, from: resource.content.color }
`;

/** The same mapping with `name` optional: the fix. */
export const WIDGET_FIXED = WIDGET_STRICT.replace('from: resource.content.name, required: true', 'from: resource.content.name');

/** A mapping for the USER type, which arrives unmapped at first. */
export const USER_MAPPING = `resourceType: USER
entity: user
fields:
  id:    { type: string, from: resource.content.id, required: true }
  email: { type: string, from: resource.content.email }
`;

/**
 * A temp folder with a SQLite file, a mappings folder and a default.yaml the CLI reads (`--config-dir`), plus a
 * runtime on the same database in this process, on a fake clock and without its worker loop (tests tick it).
 */
export interface SyncWorkspace {
  dir: string;
  mappingsDir: string;
  runtime: Runtime;
  clock: FakeClock;
  /** Writes (or overwrites) a mapping file in the mappings folder. */
  writeMapping(name: string, yaml: string): void;
  /** Loads the mappings folder again into the in-process runtime (the CLI loads it fresh anyway). */
  reloadMappings(): void;
  /** Accepts a delivery into the inbox, as the receiver does; resolves with its inbox id. */
  accept(
    type: string,
    resourceUuid: string,
    content: Record<string, unknown> | undefined,
    patch?: Record<string, unknown>,
  ): Promise<number>;
  /** Ticks the worker until nothing is due. */
  drain(): Promise<void>;
  record(entity: string, key: string, source?: string): Promise<StoredRecord | undefined>;
  cli(...args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

export async function openSyncWorkspace(
  options: { worker?: Record<string, unknown>; logger?: Logger; mappings?: Record<string, string> } = {},
): Promise<SyncWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-redrive-'));
  const mappingsDir = join(dir, 'mappings');
  mkdirSync(mappingsDir);
  const writeMapping = (name: string, yaml: string) => writeFileSync(join(mappingsDir, name), yaml);
  for (const [name, yaml] of Object.entries(options.mappings ?? { 'widget.yaml': WIDGET_STRICT })) writeMapping(name, yaml);
  const dbFile = join(dir, 'sync.db');
  const worker = { batchSize: 50, maxAttempts: 2, backoffBaseMs: 1, backoffMaxMs: 1, idleDelayMs: 10, ...options.worker };
  writeFileSync(
    join(dir, 'default.yaml'),
    `${JSON.stringify({ environment: 'test', db: { client: 'sqlite', filename: dbFile }, mappings: { dir: mappingsDir }, worker, log: { level: 'silent' } }, null, 2)}\n`,
  );
  const clock = new FakeClock();
  const config = testConfig({
    db: { client: 'sqlite', filename: dbFile },
    mappings: { dir: mappingsDir },
    worker,
    sources: { shop: { auth: { mode: 'none' } } },
  });
  const runtime = await buildRuntime(config, { clock, logger: options.logger ?? pino({ level: 'silent' }) });
  const records = runtime.stores.records;
  let n = 0;
  return {
    dir,
    mappingsDir,
    runtime,
    clock,
    writeMapping,
    reloadMappings: () => {
      if (!(runtime.mappings instanceof FileMappingRegistry)) throw new Error('runtime mappings are not file based');
      const problems = runtime.mappings.reload();
      if (problems.length > 0) throw new Error(`mapping problems: ${JSON.stringify(problems)}`);
    },
    accept: async (type, resourceUuid, content, patch = {}) => {
      n++;
      const body = delivery({
        uuid: `delivery-${type}-${resourceUuid}-${n}`,
        timestamp: 1_795_000_000_000 + n,
        resource: { type, uuid: resourceUuid, url: `https://example.test/${resourceUuid}`, ...(content ? { content } : {}) },
        ...patch,
      });
      const outcome = await runtime.receiver.receive({
        source: 'shop',
        principal: 'test',
        body: Buffer.from(JSON.stringify(body)),
        requestId: `r${n}`,
        remoteAddress: undefined,
      });
      return outcome.id;
    },
    drain: async () => {
      for (let i = 0; i < 100 && (await runtime.worker.tick()).claimed > 0; i++);
    },
    record: (entity, key, source = 'shop') => records.get({ source, entity, key }),
    cli: (...args) => runCli(['--config-dir', dir, ...args]),
    close: async () => {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
