import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../../src/compose/container';
import type { Knex } from '../../src/db/create-knex';
import { FakeMarketplace, type FakeMarketplaceOptions } from '../../src/simulate/fake-marketplace';
import { testConfig } from './test-runtime';

export const CLIENT = { clientId: 'sync-reader', clientSecret: 'fake-marketplace-secret-1' };

/** The repository's own mapping files: backfilled items go through the same ones as webhooks. */
export const REPO_MAPPINGS = join(__dirname, '..', '..', 'mappings');

/** A fake marketplace and a container on `db` whose source `shop` reads it (no rate limit, fast backoff). */
export async function backfillSetup(
  db: Knex,
  market: Partial<FakeMarketplaceOptions> = {},
  api: Record<string, unknown> = {},
  worker: Record<string, unknown> = {},
): Promise<{ market: FakeMarketplace; c: Container; close(): Promise<void> }> {
  const fake = await FakeMarketplace.start({ ...CLIENT, ...market });
  const config = testConfig({
    mappings: { dir: REPO_MAPPINGS },
    worker: { mappingThread: false, batchSize: 200, ...worker },
    sources: {
      shop: {
        auth: { mode: 'none' },
        appdirectApi: {
          baseUrl: fake.url,
          ...CLIENT,
          requestsPerSecond: 0,
          pageSize: 3,
          commitItems: 1,
          backoffBaseMs: 5,
          backoffMaxMs: 50,
          ...api,
        },
      },
    },
  });
  const c = new Container(config, { db, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  return {
    market: fake,
    c,
    close: async () => {
      await c.close();
      await fake.close();
    },
  };
}
