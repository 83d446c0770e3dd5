import { randomUUID } from 'node:crypto';

/** The fake marketplace's data: items with the field names of AppDirect's REST responses (reference §3). */
export interface MarketplaceData {
  companies: Record<string, unknown>[];
  users: Record<string, unknown>[];
  /** Memberships by company uuid. */
  memberships: Map<string, Record<string, unknown>[]>;
  subscriptions: Record<string, unknown>[];
  orders: Record<string, unknown>[];
  invoices: Record<string, unknown>[];
  products: Record<string, unknown>[];
}

export interface SeedCounts {
  companies?: number;
  usersPerCompany?: number;
  subscriptionsPerCompany?: number;
  products?: number;
}

/**
 * A marketplace with `companies` companies, each with users (and their memberships), subscriptions with their
 * orders and invoices, plus `products` catalog products. Deterministic in shape; uuids are random.
 * @example const data = seedMarketplace({ companies: 3 }, Date.now());
 */
export function seedMarketplace(counts: SeedCounts, now: number): MarketplaceData {
  const data: MarketplaceData = {
    companies: [],
    users: [],
    memberships: new Map(),
    subscriptions: [],
    orders: [],
    invoices: [],
    products: [],
  };
  const { companies = 5, usersPerCompany = 2, subscriptionsPerCompany = 1, products = 3 } = counts;
  for (let p = 0; p < products; p++) data.products.push(product(700_000 + p, now));
  for (let c = 0; c < companies; c++) {
    const company = companyItem(c, now);
    data.companies.push(company);
    const members: Record<string, unknown>[] = [];
    for (let u = 0; u < usersPerCompany; u++) {
      const user = userItem(`${c}-${u}`, now);
      data.users.push(user);
      members.push(membershipItem(user, company, u === 0));
    }
    data.memberships.set(company.uuid as string, members);
    for (let s = 0; s < subscriptionsPerCompany; s++) {
      const n = data.orders.length + 1;
      // The company's last user owns it; without users, a user the listing does not show (only its id is referenced).
      const owner = members.length > 0 ? (data.users[data.users.length - 1] as Record<string, unknown>) : userItem(`owner-${c}`, now);
      const order = orderItem(100_000 + n, company, owner, now);
      data.orders.push(order);
      data.subscriptions.push(subscriptionItem(company, owner, order, now));
      data.invoices.push(invoiceItem(500_000 + n, company, owner, order, now));
    }
  }
  return data;
}

const ref = (kind: string, id: unknown) => ({ id, href: `/api/account/v1/${kind}/${String(id)}` });

export function companyItem(n: number, now: number): Record<string, unknown> {
  const uuid = randomUUID();
  return {
    uuid,
    externalId: null,
    name: `Company ${n}`,
    enabled: true,
    address: { street1: `${n} Main Street`, street2: null, city: 'Montreal', state: 'QC', zip: 'H2X 1Y4', country: 'Canada' },
    countryCode: 'CA',
    companySize: 'SMALL',
    industry: null,
    emailAddress: `billing@company${n}.example`,
    website: `https://company${n}.example`,
    phoneNumber: '+1 514 555 0100',
    creationDate: now - 86_400_000,
    vendor: false,
    reseller: false,
    channelAdmin: false,
    salesSupport: false,
    customAttributes: [],
    links: [{ rel: 'self', href: `/api/account/v2/companies/${uuid}` }],
  };
}

export function userItem(tag: string, now: number): Record<string, unknown> {
  const uuid = randomUUID();
  return {
    uuid,
    email: `user${tag}@example.com`,
    userName: `user${tag}@example.com`,
    firstName: `First${tag}`,
    lastName: `Last${tag}`,
    externalId: null,
    activated: true,
    allowLogin: true,
    creationDate: now - 86_400_000,
    lastModified: now - 3_600_000,
    locale: 'en_US',
    roles: ['ROLE_USER'],
    currency: 'USD',
    customAttributes: [],
    links: [{ rel: 'self', href: `/api/account/v2/users/${uuid}` }],
  };
}

function membershipItem(user: Record<string, unknown>, company: Record<string, unknown>, admin: boolean): Record<string, unknown> {
  return {
    user,
    company: { uuid: company.uuid, name: company.name },
    enabled: true,
    lastUsed: null,
    roles: admin ? ['ROLE_SYS_ADMIN', 'ROLE_BILLING_ADMIN'] : ['ROLE_USER'],
    position: admin ? 'Owner' : null,
    links: [{ rel: 'self', href: `/api/account/v2/companies/${String(company.uuid)}/memberships/${String(user.uuid)}` }],
  };
}

function orderItem(id: number, company: Record<string, unknown>, user: Record<string, unknown>, now: number): Record<string, unknown> {
  return {
    id,
    startDate: now - 86_400_000,
    endDate: null,
    nextBillingDate: now + 29 * 86_400_000,
    status: 'ACTIVE',
    frequency: 'MONTHLY',
    currency: 'USD',
    type: 'NEW',
    totalPrice: 10,
    user: ref('users', user.uuid),
    company: ref('companies', company.uuid),
    paymentPlanId: 42,
    activated: true,
    orderLines: [
      { id: id * 10, type: 'ITEM', unit: 'USER', quantity: 1, price: 10, listingPrice: 10, totalPrice: 10, description: 'Seat' },
    ],
    parameters: [],
  };
}

function subscriptionItem(
  company: Record<string, unknown>,
  user: Record<string, unknown>,
  order: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    id: randomUUID(),
    creationDate: now - 86_400_000,
    lastModified: now - 3_600_000,
    endDate: null,
    externalAccountId: null,
    label: null,
    status: 'ACTIVE',
    maxUsers: 10,
    assignmentCount: 1,
    parentSubscriptionId: null,
    order: { id: order.id, href: `/api/billing/v1/orders/${String(order.id)}` },
    user: ref('users', user.uuid),
    company: ref('companies', company.uuid),
  };
}

function invoiceItem(
  invoiceId: number,
  company: Record<string, unknown>,
  user: Record<string, unknown>,
  order: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    invoiceId,
    referenceNumber: `INV-${invoiceId}`,
    creationDate: now - 86_400_000,
    dueDate: now + 29 * 86_400_000,
    status: 'UNPAID',
    total: 10,
    currency: 'USD',
    orderIds: [String(order.id)],
    user: ref('users', user.uuid),
    company: ref('companies', company.uuid),
    links: [{ rel: 'self', href: `/api/billing/v1/invoices/${invoiceId}` }],
  };
}

function product(id: number, now: number): Record<string, unknown> {
  return {
    id,
    uuid: randomUUID(),
    href: `/api/marketplace/v1/products/${id}`,
    name: `Product ${id}`,
    productType: 'WEB_APP',
    publishedOn: now - 30 * 86_400_000,
    lastModified: now - 86_400_000,
    addon: false,
    buyable: true,
    vendorName: 'Acme Software',
    developerName: 'Acme Software',
    links: [{ rel: 'self', href: `/api/marketplace/v1/products/${id}?country=&currency=` }],
  };
}
