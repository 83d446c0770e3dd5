import { InvalidArgumentError, Option, type Command } from 'commander';
import { FakeMarketplace } from '../simulate/fake-marketplace';

interface SimulateMarketplaceOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  companies: number;
  tokenTtl: number;
}

/**
 * `appdirect-sync simulate-marketplace`: serves a fake AppDirect marketplace on a local port (the token endpoint
 * and the REST lists and reads backfill uses), so a new user can try `backfill` without a marketplace. Runs until
 * Ctrl-C. See docs/backfill.md.
 */
export function registerSimulateMarketplaceCommand(program: Command): void {
  program
    .command('simulate-marketplace')
    .description('serve a fake AppDirect marketplace (REST API and token endpoint) to try backfill against')
    .option('--port <n>', 'port on 127.0.0.1', positiveInt, 8443)
    .addOption(new Option('--client-id <id>', 'the API client id it accepts').default('demo-client'))
    .addOption(
      new Option('--client-secret <secret>', 'the client secret it accepts')
        .env('APPDIRECT_SYNC_SIMULATE_CLIENT_SECRET')
        .default('demo-secret'),
    )
    .option('--companies <n>', 'companies to seed (each with 2 users, a subscription, an order, an invoice)', positiveInt, 25)
    .option('--token-ttl <seconds>', 'expires_in of the tokens it issues', positiveInt, 43_199)
    .action(async (opts: SimulateMarketplaceOptions) => {
      const market = await FakeMarketplace.start(
        {
          clientId: opts.clientId,
          clientSecret: opts.clientSecret,
          tokenTtlSeconds: opts.tokenTtl,
          seed: { companies: opts.companies, products: 5 },
        },
        opts.port,
      );
      process.stdout.write(`fake marketplace on ${market.url} (client id ${opts.clientId}); Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await market.close();
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
  return n;
}
