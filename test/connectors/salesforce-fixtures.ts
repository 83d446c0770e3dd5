import { join } from 'node:path';
import pino from 'pino';
import { startSalesforceContractServer, type SalesforceContractServer } from '../../bench/lib/salesforce-contract-server';
import { Container } from '../../src/compose/container';
import type { Knex } from '../../src/db/create-knex';
import { companyUuid, crmChanges, userUuid } from '../helpers/crm-feed';
import type { TestDatabase } from '../helpers/test-databases';
import { testConfig } from '../helpers/test-runtime';
import { ROOT } from './connector-fixtures';

export { companyUuid, userUuid };

export const CLIENT_ID = '3MVG9test-consumer-key';
export const CLIENT_SECRET = 'sf-secret-0123456789abcdef';
export const COMPANIES = 12;
export const USERS = 3;
/** Company 5 is refused by a validation rule; the Contacts of company 7 by their email; company 5's Contacts then lack their Account. */
export const REFUSED_COMPANY = 'Company 5';
export const PARKED = 1 + USERS * 2 + USERS * 2;

/** The fake org of the tests: company 5 and company 7's Contacts refused, as above. */
export function startFakeSalesforce(
  extra: Partial<Parameters<typeof startSalesforceContractServer>[0]> = {},
): Promise<SalesforceContractServer> {
  return startSalesforceContractServer({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    externalIdField: 'AppDirect_Id__c',
    refuse: (object, record) => {
      if (object === 'Account' && record.Name === REFUSED_COMPANY)
        return { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Account name is on the blocklist', fields: ['Name'] };
      if (object === 'Contact' && typeof record.Email === 'string' && /^user-7-/.test(record.Email))
        return { statusCode: 'INVALID_EMAIL_ADDRESS', message: `Email: invalid email address: ${record.Email}`, fields: ['Email'] };
      return undefined;
    },
    ...extra,
  });
}

/** A suite's database with the CRM feed in it, a fake org, and containers with a `sf` connector on them. */
export class SalesforceSuite {
  sf!: SalesforceContractServer;

  constructor(private readonly ctx: TestDatabase) {}

  get db(): Knex {
    return this.ctx.db;
  }

  async setUp(extra: Partial<Parameters<typeof startSalesforceContractServer>[0]> = {}): Promise<void> {
    await this.ctx.clean();
    await crmChanges(this.ctx.db, COMPANIES, USERS);
    this.sf = await startFakeSalesforce(extra);
  }

  container(overrides: Record<string, unknown> = {}): Container {
    return new Container(
      testConfig({
        db: this.ctx.config,
        mappings: { dir: join(ROOT, 'mappings') },
        connectors: {
          sf: {
            type: 'salesforce',
            loginUrl: this.sf.url,
            auth: { flow: 'client_credentials', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
            outputMappings: join(ROOT, 'mappings', 'out', 'salesforce'),
            batchSize: 10,
            retry: { attempts: 4, baseMs: 1, maxMs: 20 },
            ...overrides,
          },
        },
      }),
      { db: this.ctx.db, logger: pino({ level: 'silent' }) },
    );
  }

  async run(overrides: Record<string, unknown> = {}) {
    const c = this.container(overrides);
    try {
      return await c.connectors.run('sf');
    } finally {
      await c.close();
    }
  }

  async parked() {
    const c = this.container();
    try {
      return await c.connectorFailures.list({ connector: 'sf', state: 'parked', limit: 1000 });
    } finally {
      await c.close();
    }
  }

  async checkpoint(): Promise<number> {
    const row = (await this.db('consumers').where({ name: 'connector:sf' }).first()) as { cursor: number | string } | undefined;
    return Number(row?.cursor ?? 0);
  }

  /** The org's records as a stable string: a replay must leave it as it is. */
  snapshot(): string {
    return JSON.stringify(['Account', 'Contact'].map((o) => [...this.sf.org.of(o).entries()].map(([k, v]) => [k, v.Id, v.fields])));
  }
}
