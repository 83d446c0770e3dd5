import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Oauth2TokenSource } from '../simulate/oauth2-token-source';
import { APPDIRECT_RETRY_SCHEDULE, simulateDeliveries, webhookUrlFor, type SimulatedAuth } from '../simulate/webhook-simulator';

interface SimulateOptions {
  url: string;
  source?: string;
  auth: 'none' | 'token' | 'oauth2-password' | 'oauth2-client-credentials';
  token?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuth: 'header' | 'body';
  username?: string;
  password?: string;
  scope?: string;
  retrySchedule: number[];
  timeScale: number;
}

/**
 * `appdirect-sync simulate`: posts delivery files to a running receiver as AppDirect would, with the chosen
 * auth mode and AppDirect's retry schedule, so a marketplace manager can check a setup before saving it in
 * AppDirect. Exits 1 when a delivery was never accepted.
 *
 * @remarks Secrets can come from APPDIRECT_SYNC_SIMULATE_* variables (read by commander) so they stay off the
 * command line; no secret is ever printed.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('send delivery files to a receiver as AppDirect does, with its auth modes and retries')
    .argument('<delivery.json...>', 'files holding one webhook delivery (JSON) each')
    .requiredOption('--url <url>', 'base URL of the receiver, or the full webhook URL')
    .option('--source <name>', 'the source the deliveries are for (not needed when --url ends in /webhooks/<source>)')
    .addOption(
      new Option('--auth <mode>', 'auth mode of the webhook in AppDirect')
        .choices(['none', 'token', 'oauth2-password', 'oauth2-client-credentials'])
        .default('none'),
    )
    .addOption(new Option('--token <token>', 'webhook token (mode token)').env('APPDIRECT_SYNC_SIMULATE_TOKEN'))
    .option('--token-url <url>', 'Access Token URI (default <url origin>/oauth/token)')
    .addOption(new Option('--client-id <id>', 'OAuth2 client id').env('APPDIRECT_SYNC_SIMULATE_CLIENT_ID'))
    .addOption(new Option('--client-secret <secret>', 'OAuth2 client secret').env('APPDIRECT_SYNC_SIMULATE_CLIENT_SECRET'))
    .addOption(
      new Option('--client-auth <method>', 'send client credentials as HTTP Basic or in the body')
        .choices(['header', 'body'])
        .default('header'),
    )
    .addOption(new Option('--username <name>', 'OAuth2 password grant username').env('APPDIRECT_SYNC_SIMULATE_USERNAME'))
    .addOption(new Option('--password <password>', 'OAuth2 password grant password').env('APPDIRECT_SYNC_SIMULATE_PASSWORD'))
    .option('--scope <scope>', 'OAuth2 scope to request')
    .option('--retry-schedule <seconds>', 'comma-separated delays between attempts', parseSchedule, [...APPDIRECT_RETRY_SCHEDULE])
    .option('--time-scale <factor>', 'multiply every delay, e.g. 0.001', parseScale, 1)
    .action(async (files: string[], opts: SimulateOptions) => {
      const webhookUrl = webhookUrlFor(opts.url, opts.source);
      // The path as given: two fixtures named added.json in two folders stay apart in the report.
      const deliveries = await Promise.all(files.map(async (file) => ({ file, body: await readFile(file) })));
      const outcomes = await simulateDeliveries({
        webhookUrl,
        auth: authFrom(opts),
        deliveries,
        retrySchedule: opts.retrySchedule,
        timeScale: opts.timeScale,
        report: (line) => process.stdout.write(`${line}\n`),
      });
      const failed = outcomes.filter((o) => !o.accepted);
      process.stdout.write(`${outcomes.length - failed.length}/${outcomes.length} deliveries accepted\n`);
      if (failed.length > 0) process.exitCode = 1;
    });
}

function authFrom(opts: SimulateOptions): SimulatedAuth {
  if (opts.auth === 'none') return { mode: 'none' };
  if (opts.auth === 'token') return { mode: 'token', token: required(opts.token, '--token') };
  const grant = opts.auth === 'oauth2-password' ? 'password' : 'client_credentials';
  const tokens = new Oauth2TokenSource({
    grant,
    tokenUrl: opts.tokenUrl ?? new URL('/oauth/token', opts.url).toString(),
    clientId: required(opts.clientId, '--client-id'),
    clientSecret: required(opts.clientSecret, '--client-secret'),
    username: grant === 'password' ? required(opts.username, '--username') : undefined,
    password: grant === 'password' ? required(opts.password, '--password') : undefined,
    scope: opts.scope,
    clientAuth: opts.clientAuth,
  });
  return { mode: 'oauth2', tokens };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new Error(`${flag} is required for this auth mode`);
  return value;
}

function parseSchedule(value: string): number[] {
  const items = value.split(',').map((s) => Number(s.trim()));
  if (items.some((n) => !Number.isFinite(n) || n < 0)) throw new InvalidArgumentError('a comma-separated list of seconds');
  return items;
}

function parseScale(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}
