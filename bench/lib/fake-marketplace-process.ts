import { FakeMarketplace } from '../../src/simulate/fake-marketplace';

/**
 * Runs the fake marketplace in a process of its own for bench:backfill, as AppDirect is a remote system: its JSON
 * serialization must not share the event loop being measured. Argument: the number of companies to seed. Prints
 * `listening <url>` once it serves; stops on SIGTERM.
 */
async function main(): Promise<void> {
  const companies = Number(process.argv[2] ?? 5000);
  const market = await FakeMarketplace.start({
    clientId: 'bench',
    clientSecret: 'bench-secret',
    seed: { companies, usersPerCompany: 0, subscriptionsPerCompany: 1, products: 0 },
  });
  process.stdout.write(`listening ${market.url}\n`);
  process.on('SIGTERM', () => void market.close().then(() => process.exit(0)));
}

void main();
