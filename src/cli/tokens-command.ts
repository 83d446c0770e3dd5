import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { sha256 } from '../receiver/token-authenticator';

/**
 * `appdirect-sync tokens new`: makes a webhook token for a `token` source. The token is printed once, for the
 * marketplace manager to paste into AppDirect; only its SHA-256 goes into the config.
 */
export function registerTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('webhook tokens for sources with auth mode token');
  tokens
    .command('new')
    .description('print a fresh random token and the sha256 to put in config')
    .option('--name <name>', 'label for the token in config and logs', new Date().toISOString().slice(0, 7))
    .action((opts: { name: string }) => {
      const token = randomBytes(32).toString('base64url');
      const digest = sha256(token).toString('hex');
      process.stdout.write(
        [
          `token (shown once; enter it in AppDirect as the webhook token): ${token}`,
          '',
          'config entry (under sources.<name>.auth.tokens):',
          `  - name: ${JSON.stringify(opts.name)}`,
          `    sha256: ${digest}`,
          '',
        ].join('\n'),
      );
    });
  tokens
    .command('hash')
    .description('print the sha256 of a token read from standard input')
    .action(async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      process.stdout.write(`${sha256(Buffer.concat(chunks).toString('utf8').trim()).toString('hex')}\n`);
    });
}
