import type { Command } from 'commander';
import { OAUTH_GRANTS, type OauthGrant } from '../auth/oauth-client-store';
import { AppError } from '../core/app-error';
import { withOauthAdmin } from './with-oauth-admin';

/** `--grants client_credentials,password`: the grant types a client may use, each named once at most. */
export function parseGrants(text: string): OauthGrant[] {
  const names = text.split(/[\s,]+/).filter((g) => g !== '');
  const bad = names.filter((g) => !(OAUTH_GRANTS as readonly string[]).includes(g));
  if (names.length === 0 || bad.length > 0) {
    throw new AppError(
      'AUTH_BAD_GRANTS',
      `--grants takes ${OAUTH_GRANTS.join(' and/or ')}, comma-separated${bad.length > 0 ? `; not ${JSON.stringify(bad[0]?.slice(0, 40))}` : ''}`,
    );
  }
  return [...new Set(names)] as OauthGrant[];
}

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
    .option('--grants <list>', 'grant types it may use: client_credentials, password, or both comma-separated', 'client_credentials')
    .action(async (opts: { source: string; description?: string; grants: string }, command: Command) => {
      const grants = parseGrants(opts.grants);
      const issued = await withOauthAdmin(command, (admin) => admin.addClient(opts.source, opts.description, grants));
      process.stdout.write(
        [
          `source:        ${issued.source}`,
          `grants:        ${issued.grants.join(',')}`,
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
        process.stdout.write(
          `${c.clientId}  source=${c.source}  grants=${c.grants.join(',')}  created=${c.createdAt.toISOString()}  ${state}${description}\n`,
        );
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
