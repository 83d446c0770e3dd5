import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preloadInbox } from '../../bench/lib/preload-inbox';
import type { Knex } from '../../src/db/create-knex';
import { systemClock } from '../../src/core/clock';
import { createInboxQueue } from '../../src/inbox/create-inbox-stores';
import { FileMappingRegistry } from '../../src/mapping';
import { createRecordStore } from '../../src/records/create-record-stores';
import { SyncWorker } from '../../src/worker/sync-worker';
import { ROOT, silentLogger } from '../connectors/connector-fixtures';

const fixture = (type: string) => readFileSync(join(ROOT, 'mappings', 'fixtures', type, 'added.json'), 'utf8');

/** A uuid-shaped id that names what it is: `00000000-0000-4000-8000-<kind><n>`. */
export const fakeUuid = (kind: number, n: number) =>
  `00000000-0000-4000-8000-${String(kind).padStart(4, '0')}${String(n).padStart(8, '0')}`;
export const companyUuid = (c: number) => fakeUuid(1, c);
export const userUuid = (c: number, u: number) => fakeUuid(2, c * 1000 + u);

/**
 * AppDirect deliveries of `companies` companies, each with `usersPerCompany` users and their memberships, built
 * from the shipped fixtures: company c is "Company c", user u of it is user-c-u@example.test. Event ids (and
 * timestamps) count from `firstEvent`, so a later call with a higher one makes new deliveries, not repeats.
 */
export function crmDeliveries(companies: number, usersPerCompany: number, firstEvent = 0): Buffer[] {
  const bodies: Buffer[] = [];
  let event = firstEvent;
  const stamp = (doc: Record<string, unknown>) => {
    doc.uuid = fakeUuid(9, ++event);
    doc.timestamp = 1795000000000 + event;
    return Buffer.from(JSON.stringify(doc));
  };
  for (let c = 1; c <= companies; c++) {
    const company = JSON.parse(fixture('company')) as { resource: { uuid: string; url: string; content: Record<string, unknown> } };
    company.resource.uuid = companyUuid(c);
    company.resource.url = `https://example.byappdirect.com/api/account/v1/companies/${companyUuid(c)}`;
    Object.assign(company.resource.content, { id: companyUuid(c), uuid: companyUuid(c), name: `Company ${c}` });
    bodies.push(stamp(company));
    for (let u = 1; u <= usersPerCompany; u++) {
      const email = `user-${c}-${u}@example.test`;
      const person = { id: userUuid(c, u), uuid: userUuid(c, u), email, username: email, firstName: `First${u}`, lastName: `Last${c}` };
      const user = JSON.parse(fixture('user')) as { resource: { uuid: string; url: string; content: Record<string, unknown> } };
      user.resource.uuid = userUuid(c, u);
      user.resource.url = `https://example.byappdirect.com/api/account/v1/users/${userUuid(c, u)}`;
      Object.assign(user.resource.content, person);
      bodies.push(stamp(user));
      const membership = JSON.parse(fixture('membership')) as { resource: { uuid: string; url: string; content: Record<string, unknown> } };
      membership.resource.uuid = `${companyUuid(c)}:${userUuid(c, u)}`;
      membership.resource.url = `https://example.byappdirect.com/api/account/v1/companies/${companyUuid(c)}/users/${userUuid(c, u)}`;
      Object.assign(membership.resource.content, person, { uuid: undefined });
      bodies.push(stamp(membership));
    }
  }
  return bodies;
}

/** The deliveries of crmDeliveries committed to the inbox and applied by the real worker with the shipped mappings. */
export async function crmChanges(db: Knex, companies: number, usersPerCompany: number, firstEvent = 0): Promise<void> {
  await preloadInbox(db, crmDeliveries(companies, usersPerCompany, firstEvent));
  const mappings = FileMappingRegistry.open(join(ROOT, 'mappings'), silentLogger);
  const worker = new SyncWorker(db, createInboxQueue(db), createRecordStore(db), mappings, systemClock, silentLogger, {
    batchSize: 500,
    leaseMs: 60_000,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 100,
    idleDelayMs: 10,
  });
  try {
    while ((await worker.tick()).claimed > 0);
  } finally {
    mappings.close();
  }
}
