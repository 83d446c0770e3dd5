import type { Command } from 'commander';
import { withOauthAdmin } from './with-oauth-admin';

/**
 * `appdirect-sync clients add|list|revoke`: the OAuth2 clients a marketplace manager enters in AppDirect
 * (Client ID and Client Secret) for a source with auth mode oauth2. The secret is printed once, at `add`.
 */
export function registerClientsCommand(program: Command): void {
  const clients = program.command('clients').description('OAuth2 clients for sources with auth mode oauth2');

  clients
    .command('add')
    .description('issue a client id and secret for a source (the secret is shown once)')
    .requiredOption('--source <name>', 'the source the client may deliver to')
    .option('--description <text>', 'who or what uses it, e.g. "AppDirect production"')
    .action(async (opts: { source: string; description?: string }, command: Command) => {
      const issued = await withOauthAdmin(command, (admin) => admin.addClient(opts.source, opts.description));
      process.stdout.write(
        [
          `source:        ${issued.source}`,
          `client_id:     ${issued.clientId}`,
          `client_secret: ${issued.clientSecret}`,
          '',
          'The secret is shown once and stored only as a hash. Enter both in AppDirect (Client ID, Client Secret).',
          '',
        ].join('\n'),
      );
    });

  clients
    .command('list')
    .description('list clients (never their secrets)')
    .option('--source <name>', 'only the clients of this source')
    .action(async (opts: { source?: string }, command: Command) => {
      const rows = await withOauthAdmin(command, (admin) => admin.listClients(opts.source));
      if (rows.length === 0) {
        process.stdout.write('no clients\n');
        return;
      }
      for (const c of rows) {
        const state = c.revokedAt ? `revoked ${c.revokedAt.toISOString()}` : 'active';
        const description = c.description ? `  ${JSON.stringify(c.description)}` : '';
        process.stdout.write(`${c.clientId}  source=${c.source}  created=${c.createdAt.toISOString()}  ${state}${description}\n`);
      }
    });

  clients
    .command('revoke')
    .description('revoke a client and every token issued to it')
    .argument('<client_id>')
    .action(async (clientId: string, _opts: unknown, command: Command) => {
      const tokens = await withOauthAdmin(command, (admin) => admin.revokeClient(clientId));
      process.stdout.write(`revoked ${clientId} and ${tokens} token(s)\n`);
    });
}
