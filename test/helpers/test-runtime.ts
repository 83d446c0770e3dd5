import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configSchema, type Config } from '../../src/config/config-schema';
import type { Clock } from '../../src/core/clock';
import type { Logger } from '../../src/core/logger';
import { buildRuntime, type Runtime } from '../../src/main';

export interface TestServer {
  runtime: Runtime;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts the real service on a fresh SQLite file in a temp folder, listening on a free localhost port.
 * `overrides` is laid over the defaults as a config file would be. Given as a function, it is called with the
 * temp folder first, to write files there (mappings, certificates) and name them in the config.
 */
export async function startTestServer(
  overrides: Record<string, unknown> | ((dir: string) => Record<string, unknown>) = {},
  clock?: Clock,
  logger?: Logger,
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-test-'));
  const config = testConfig({
    db: { client: 'sqlite', filename: join(dir, 'test.db') },
    ...(typeof overrides === 'function' ? overrides(dir) : overrides),
  });
  const runtime = await buildRuntime(config, { logger: logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), clock });
  const address = await runtime.listen();
  return {
    runtime,
    dir,
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A validated config for tests: port 0, environment test, plus the overrides. */
export function testConfig(overrides: Record<string, unknown>): Config {
  const base = { environment: 'test', server: { host: '127.0.0.1', port: 0 } };
  const merged = { ...base, ...overrides, server: { ...base.server, ...((overrides.server as object) ?? {}) } };
  return configSchema.parse(merged);
}

/** An AppDirect-shaped delivery envelope; `patch` replaces top-level keys. */
export function delivery(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: `d-${Math.random().toString(36).slice(2)}`,
    timestamp: 1_795_000_000_000,
    resource: {
      type: 'SUBSCRIPTION',
      uuid: 'b6d3c0f1-6a4e-4f0e-9a53-2f8f8d1c0a11',
      url: 'https://example.byappdirect.com/api/billing/v1/subscriptions/b6d3c0f1-6a4e-4f0e-9a53-2f8f8d1c0a11',
      content: { id: 'b6d3c0f1-6a4e-4f0e-9a53-2f8f8d1c0a11', status: 'ACTIVE', maxUsers: '5' },
    },
    resourceAction: 'ADDED',
    ...patch,
  };
}
