import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../../src/compose/container';
import { configSchema } from '../../src/config/config-schema';
import { consumerNameOf } from '../../src/connectors/connector';
import { ConnectorFeed } from '../../src/connectors/connector-feed';
import { createKnex } from '../../src/db/create-knex';
import { companyUuid, userUuid } from './crm-deliveries';
import { timed, type TimedRun } from './timed-run';
import { startSalesforceContractServer, type SalesforceContractServer } from './salesforce-contract-server';

const CLIENT_ID = 'bench-consumer-key';
const CLIENT_SECRET = 'bench-consumer-secret';
const EXT = 'AppDirect_Id__c';
const VERSION = '62.0';

/** A fresh fake org for one round. */
export function startBenchSalesforce(): Promise<SalesforceContractServer> {
  return startSalesforceContractServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, externalIdField: EXT });
}

/** `connectors run` of a `salesforce` connector from checkpoint 0, through sObject collections (bulk off); changes/s. */
export async function salesforceViaConnector(
  root: string,
  dbFile: string,
  sf: SalesforceContractServer,
  expected: { changes: number; contacts: number },
): Promise<TimedRun> {
  const config = configSchema.parse({
    environment: 'test',
    db: { client: 'sqlite', filename: dbFile },
    mappings: { dir: join(root, 'mappings') },
    connectors: {
      sf: {
        type: 'salesforce',
        loginUrl: sf.url,
        auth: { flow: 'client_credentials', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        outputMappings: join(root, 'mappings', 'out', 'salesforce'),
        // sObject collections, the path of a run's ordinary backlog: the bench's 18,000 changes would otherwise be
        // above the default bulk threshold, and a job's time is mostly its polling interval.
        bulk: { threshold: 0 },
        // BENCH_SF_PAGE_SIZE: to compare page sizes in one sitting (default: the connector's own).
        ...(process.env.BENCH_SF_PAGE_SIZE ? { pageSize: Number(process.env.BENCH_SF_PAGE_SIZE) } : {}),
      },
    },
  });
  const db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
  const c = new Container(config, { db, logger: pino({ level: 'warn' }) });
  try {
    await c.feed.rewind(consumerNameOf('sf'), { cursor: 0 });
    let outcome: Awaited<ReturnType<typeof c.connectors.run>> | undefined;
    const run = await timed(expected.changes, async () => {
      outcome = await c.connectors.run('sf');
    });
    if (outcome?.status !== 'ok') throw new Error(`salesforce connector run failed: ${JSON.stringify(outcome?.error)}`);
    if (sf.org.of('Contact').size !== expected.contacts) throw new Error('not every Contact arrived');
    return run;
  } finally {
    await c.close();
    await db.destroy();
  }
}

/**
 * The floor: the same Accounts and Contacts (the fields mappings/out/salesforce makes of the fixture, each Contact
 * with its Account reference) as pre-built sObject collections bodies of 200, in the connector's order.
 */
export function salesforcePrebuilt(companies: number, users: number): Array<{ path: string; body: string }> {
  const out: Array<{ path: string; body: string }> = [];
  const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / 200) }, (_, i) => items.slice(i * 200, i * 200 + 200));
  const accounts = Array.from({ length: companies }, (_, i) => ({
    attributes: { type: 'Account' },
    [EXT]: companyUuid(i + 1),
    Name: `Company ${i + 1}`,
    Phone: '+1 514 555 0100',
    BillingStreet: '1 Main Street, Suite 200',
    BillingCity: 'Montreal',
    BillingState: 'QC',
    BillingPostalCode: 'H2X 1Y4',
    BillingCountry: 'CA',
  }));
  const contacts = [];
  for (let c = 1; c <= companies; c++) {
    for (let u = 1; u <= users; u++) {
      contacts.push({
        attributes: { type: 'Contact' },
        [EXT]: userUuid(c, u),
        Email: `user-${c}-${u}@example.test`,
        FirstName: `First${u}`,
        LastName: `Last${c}`,
        Account: { [EXT]: companyUuid(c) },
      });
    }
  }
  const path = (object: string) => `/services/data/v${VERSION}/composite/sobjects/${object}/${EXT}`;
  for (const records of chunks(accounts)) out.push({ path: path('Account'), body: JSON.stringify({ allOrNone: false, records }) });
  for (const records of chunks(contacts)) out.push({ path: path('Contact'), body: JSON.stringify({ allOrNone: false, records }) });
  return out;
}

/** The floor's run: one client-credentials token request, then the pre-built requests one after another with fetch; changes/s. */
export async function salesforceFloor(
  sf: SalesforceContractServer,
  requests: Array<{ path: string; body: string }>,
  changes: number,
): Promise<TimedRun> {
  return timed(changes, async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    const token = (await (
      await fetch(`${sf.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      })
    ).json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };
    for (const r of requests) {
      const answer = (await (await fetch(`${sf.url}${r.path}`, { method: 'PATCH', headers, body: r.body })).json()) as Array<{
        success: boolean;
      }>;
      if (!answer.every((a) => a.success)) throw new Error('the floor had a record refused');
    }
  });
}

/**
 * The part of any connector run that no connector design removes: the same feed pages (1000 changes) read from the
 * same SQLite feed and each acked (a FULL commit), with nothing delivered. Its CPU time bounds the best CPU ratio
 * a connector can reach against the floor, which reads no feed.
 */
export async function feedOnly(root: string, dbFile: string, changes: number): Promise<TimedRun> {
  const config = configSchema.parse({
    environment: 'test',
    db: { client: 'sqlite', filename: dbFile },
    mappings: { dir: join(root, 'mappings') },
  });
  const db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
  const c = new Container(config, { db, logger: pino({ level: 'warn' }) });
  try {
    const consumer = 'bench-feed-only';
    await c.feed.rewind(consumer, { cursor: 0 });
    const pages = new ConnectorFeed(c.feed, consumer, []);
    let read = 0;
    const run = await timed(changes, async () => {
      for await (const page of pages.pages(0, 1000, new AbortController().signal)) {
        read += page.changes.length;
        await pages.ack(page.through);
      }
    });
    if (read !== changes) throw new Error(`the feed-only run read ${read} changes, not ${changes}`);
    return run;
  } finally {
    await c.close();
    await db.destroy();
  }
}
