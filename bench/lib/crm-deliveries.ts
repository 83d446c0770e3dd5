import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The shipped fixture of a type; from dist/bench/lib as from bench/lib, the repository root is two folders up, then one more for dist. */
const fixture = (type: string) => readFileSync(join(fixtureRoot(), type, 'added.json'), 'utf8');

function fixtureRoot(): string {
  const candidates = [join(ROOT, 'mappings', 'fixtures'), join(ROOT, '..', 'mappings', 'fixtures')];
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}

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
