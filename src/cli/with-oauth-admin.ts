import type { Command } from 'commander';
import type { OauthAdminService } from '../auth/oauth-admin-service';
import { onDatabase } from './cli-runtime';

/**
 * Runs one `clients` or `users` command against the configured database: loads the config, opens the
 * database, applies pending migrations (so the oauth tables exist), and always closes it again.
 */
export async function withOauthAdmin<T>(command: Command, run: (admin: OauthAdminService) => Promise<T>): Promise<T> {
  return onDatabase(command, (c) => run(c.oauthAdmin), ['db', 'sources']);
}
