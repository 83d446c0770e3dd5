import type { Command } from 'commander';
import { withOauthAdmin } from './with-oauth-admin';

const MIN_PASSWORD_LENGTH = 12;

/**
 * `appdirect-sync users add|list|revoke`: the Username and Password a marketplace manager enters in AppDirect
 * for the OAuth2 password grant. A generated password is printed once; `--password-stdin` takes one instead,
 * so it never appears in the shell history.
 */
export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('OAuth2 password-grant users for sources with auth mode oauth2');

  users
    .command('add')
    .description('add a user for a source (a generated password is shown once)')
    .requiredOption('--source <name>', 'the source the user belongs to')
    .requiredOption('--username <name>', 'the username to enter in AppDirect')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (opts: { source: string; username: string; passwordStdin?: boolean }, command: Command) => {
      const given = opts.passwordStdin ? await readPassword() : undefined;
      const user = await withOauthAdmin(command, (admin) => admin.addUser(opts.source, opts.username, given));
      const lines = [`source:   ${opts.source}`, `username: ${user.username}`];
      if (!given) lines.push(`password: ${user.password}`, '', 'The password is shown once and stored only as a hash.');
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  users
    .command('list')
    .description('list users (never their passwords)')
    .option('--source <name>', 'only the users of this source')
    .action(async (opts: { source?: string }, command: Command) => {
      const rows = await withOauthAdmin(command, (admin) => admin.listUsers(opts.source));
      if (rows.length === 0) process.stdout.write('no users\n');
      for (const u of rows) {
        const state = u.revokedAt ? `revoked ${u.revokedAt.toISOString()}` : 'active';
        process.stdout.write(`${u.username}  source=${u.source}  created=${u.createdAt.toISOString()}  ${state}\n`);
      }
    });

  users
    .command('revoke')
    .description('revoke a user and every token issued for it')
    .requiredOption('--source <name>', 'the source the user belongs to')
    .requiredOption('--username <name>', 'the user to revoke')
    .action(async (opts: { source: string; username: string }, command: Command) => {
      const tokens = await withOauthAdmin(command, (admin) => admin.revokeUser(opts.source, opts.username));
      process.stdout.write(`revoked ${opts.username} of ${opts.source} and ${tokens} token(s)\n`);
    });
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return password;
}
