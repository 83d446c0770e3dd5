import type { Command } from 'commander';
import { KnexOauthClientStore } from '../auth/knex-oauth-client-store';
import { KnexOauthTokenStore } from '../auth/knex-oauth-token-store';
import { KnexOauthUserStore } from '../auth/knex-oauth-user-store';
import { OauthAdminService } from '../auth/oauth-admin-service';
import { systemClock } from '../core/clock';
import { createKnex } from '../db/create-knex';
import { migrateLatest } from '../db/migration-source';
import { configFromCli } from './cli-config';

/**
 * Runs one `clients` or `users` command against the configured database: loads the config, opens the
 * database, applies pending migrations (so the oauth tables exist), and always closes it again.
 */
export async function withOauthAdmin<T>(command: Command, run: (admin: OauthAdminService) => Promise<T>): Promise<T> {
  const config = configFromCli(command, ['db', 'sources']);
  const db = createKnex(config.db);
  try {
    await migrateLatest(db);
    const admin = new OauthAdminService({
      db,
      clients: new KnexOauthClientStore(db),
      users: new KnexOauthUserStore(db),
      tokens: new KnexOauthTokenStore(db),
      clock: systemClock,
      sources: config.sources,
    });
    return await run(admin);
  } finally {
    await db.destroy();
  }
}
