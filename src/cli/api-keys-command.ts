import type { Command } from 'commander';
import { newApiKey } from '../auth/api-key-auth';
import { API_SCOPES, type ApiScope } from '../auth/api-key-store';
import { systemClock } from '../core/clock';
import { withDatabase } from './cli-runtime';

/** `appdirect-sync api-keys add|list|revoke`: keys for the change feed and records APIs. */
export function registerApiKeysCommand(program: Command): void {
  const keys = program.command('api-keys').description('API keys for the change feed and records APIs');
  keys
    .command('add')
    .description('create a key and print it once')
    .requiredOption('--name <name>', 'who uses it, e.g. "crm-connector"')
    .option('--scope <scope>', `repeatable: ${API_SCOPES.join(', ')}`, (v: string, prev: string[]) => [...prev, v], [])
    .action(async (opts: { name: string; scope: string[] }, command: Command) => {
      const scopes = opts.scope.length > 0 ? opts.scope : ['feed:read'];
      const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
      if (unknown.length > 0) throw new Error(`unknown scope ${unknown.join(', ')}; use ${API_SCOPES.join(', ')}`);
      await withDatabase(command, async (c) => {
        const k = newApiKey();
        await c.stores.apiKeys.create(
          { id: k.id, name: opts.name, keySha256: k.keySha256, scopes: scopes as ApiScope[] },
          systemClock.now(),
        );
        process.stdout.write(
          `api key ${k.id} (${scopes.join(' ')}) for ${opts.name}; shown once, send it as "Authorization: Bearer <key>":\n${k.key}\n`,
        );
      });
    });
  keys
    .command('list')
    .description('list keys (never the secrets)')
    .action(async (_opts, command: Command) => {
      await withDatabase(command, async (c) => {
        for (const k of await c.stores.apiKeys.list()) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          process.stdout.write(
            `${k.id}  ${k.name.padEnd(24)} ${k.scopes.join(',').padEnd(28)} ${state}  last used ${k.lastUsedAt?.toISOString() ?? 'never'}\n`,
          );
        }
      });
    });
  keys
    .command('revoke <id>')
    .description('revoke a key at once')
    .action(async (id: string, _opts, command: Command) => {
      await withDatabase(command, async (c) => {
        const done = await c.stores.apiKeys.revoke(id, systemClock.now());
        if (!done) throw new Error(`no active api key ${id}`);
        process.stdout.write(`revoked ${id}\n`);
      });
    });
}
