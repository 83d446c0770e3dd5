import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadMappingsSync, type CompiledMapping, type MapResult } from '../../src/mapping';

/**
 * Bodies of the documented shapes (docs/payloads.md) that no fixture holds: generated ids, amounts, dates and
 * optional parts, for all five types. Each must map without an error and with every value a CRM or an ERP needs
 * (the reference's "not mapped, but relevant" lists) present.
 */

const { mappings, problems } = loadMappingsSync(join(__dirname, '..', '..', 'mappings'));
const mappingFor = (type: string): CompiledMapping => {
  const m = mappings.find((x) => x.resourceTypes.includes(type));
  if (!m) throw new Error(`no mapping for ${type}`);
  return m;
};

const uuid = fc.uuid();
const epochMs = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });
const money = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: 0, max: 10_000_000 }).map((c) => c / 100),
);
const numericId = fc.integer({ min: 1, max: 2 ** 31 });
const currency = fc.constantFrom('USD', 'EUR', 'GBP', 'CAD', 'JPY');
const href = (kind: string, id: string) => `https://marketplace.example.com/api/${kind}/${id}`;
/** AppDirect sends the uuid, or per marketplace setting an external id, as `id`; the href always ends in the uuid. */
const accountRef = (kind: string) =>
  fc.record({ uuid, external: fc.option(fc.stringMatching(/^[A-Z]{2,5}-\d{1,6}$/), { nil: undefined }) }).map((r) => ({
    ref: { id: r.external ?? r.uuid, href: href(kind, r.uuid) },
    uuid: r.uuid,
  }));

const itemLine = fc.record({
  id: numericId,
  editionPricingItemId: numericId,
  type: fc.constant('ITEM'),
  unit: fc.constantFrom('USER', 'NOT_APPLICABLE', 'GIGABYTE'),
  quantity: fc.integer({ min: 1, max: 500 }),
  price: money,
  listingPrice: money,
  totalPrice: money,
  applicationName: fc.string({ minLength: 1, maxLength: 20 }),
  editionName: fc.string({ minLength: 1, maxLength: 20 }),
  description: fc.string({ maxLength: 40 }),
});
const taxLine = fc.record({
  id: numericId,
  type: fc.constant('TAX'),
  quantity: fc.constant(1),
  percentage: fc.integer({ min: 0, max: 2500 }).map((p) => p / 100),
  totalPrice: money,
  applicationName: fc.string({ minLength: 1, maxLength: 20 }),
  description: fc.constant('Sales Tax'),
});

const order = fc
  .record({
    id: numericId,
    company: accountRef('account/v1/companies'),
    user: accountRef('account/v1/users'),
    salesSupportCompany: accountRef('account/v1/companies'),
    salesSupportUser: accountRef('account/v1/users'),
    subscription: uuid,
    start: epochMs,
    currency,
    type: fc.constantFrom('NEW', 'MIGRATION', 'ADOPTION', 'ONE_TIME_FEE', 'METERED_USAGE', 'END_OF_DISCOUNT_MIGRATION'),
    frequency: fc.constantFrom('MONTHLY', 'YEARLY', 'QUARTERLY'),
    price: money,
    other: money,
    lines: fc.tuple(itemLine, fc.array(taxLine, { maxLength: 2 })),
    discountId: numericId,
    referenceCode: fc.string({ minLength: 1, maxLength: 12 }),
  })
  .map((o) => ({
    gen: o,
    body: {
      id: o.id,
      startDate: o.start,
      endDate: null,
      serviceStartDate: new Date(o.start).toISOString().slice(0, 10),
      nextBillingDate: o.start + 2_592_000_000,
      endOfDiscountDate: o.start + 7_776_000_000,
      status: 'ACTIVE',
      frequency: o.frequency,
      currency: o.currency,
      type: o.type,
      totalPrice: o.price,
      user: o.user.ref,
      company: o.company.ref,
      salesSupportUser: o.salesSupportUser.ref,
      salesSupportCompany: o.salesSupportCompany.ref,
      referenceCode: o.referenceCode,
      paymentPlan: {
        id: 77,
        uuid: 'eaca0000-0000-4000-8000-000000000000',
        frequency: o.frequency,
        contract: { minimumServiceLength: null, cancellationPeriodLimit: null, endOfContractGracePeriod: 30 },
        costs: [{ id: 1, unit: 'USER', amount: { [o.currency]: o.price, XXX: o.other }, pricingStrategy: 'UNIT' }],
      },
      contract: { endOfContractDate: o.start + 31_536_000_000, cancellationPeriodLimit: null, terminationFee: null },
      paymentPlanId: 77,
      discountId: o.discountId,
      activated: true,
      orderLines: [o.lines[0], ...o.lines[1]],
      links: [
        { rel: 'self', href: href('billing/v1/orders', String(o.id)) },
        { rel: 'subscription', href: href('billing/v1/subscriptions', o.subscription) },
      ],
    },
  }));

function envelope(type: string, resourceUuid: string | number, content: unknown): Record<string, unknown> {
  return { uuid: 'd-1', timestamp: 1_795_000_000_000, resource: { type, uuid: resourceUuid, content }, resourceAction: 'CHANGED' };
}

function mapped(type: string, delivery: unknown): Extract<MapResult, { ok: true }> {
  const r = mappingFor(type).map(delivery);
  assert.ok(!(r instanceof Promise), `${type} maps synchronously`);
  assert.ok(r.ok, `${type} did not map: ${JSON.stringify(!r.ok && r.errors)}`);
  return r;
}

/** Each named field is present (not null). */
function present(data: Record<string, unknown>, names: string[]): void {
  for (const n of names) assert.notEqual(data[n] ?? null, null, `${n} is missing`);
}

describe('bodies of the documented shapes that no fixture holds', () => {
  before(() => assert.deepEqual(problems, []));

  it('ORDER: subscription, plan price in the order currency, attribution, dates and line details', () => {
    fc.assert(
      fc.property(order, ({ gen, body }) => {
        const r = mapped('ORDER', envelope('ORDER', gen.id, body));
        present(r.data, [
          'subscriptionId',
          'serviceStartDate',
          'endOfDiscountDate',
          'referenceCode',
          'discountId',
          'salesSupportCompanyId',
          'companyId',
          'userId',
          'startDate',
          'nextBillingDate',
          'totalPrice',
          'type',
        ]);
        assert.equal(r.data.subscriptionId, gen.subscription);
        const cost = (r.data.paymentPlanCosts as Array<Record<string, unknown>>)[0];
        assert.equal(Number(cost?.price), gen.price);
        assert.deepEqual(cost?.amount, { [gen.currency]: gen.price, XXX: gen.other });
        const lines = r.data.lines as Array<Record<string, unknown>>;
        present(lines[0] ?? {}, ['listingPrice', 'applicationName', 'editionName', 'price', 'unit']);
        for (const tax of lines.slice(1)) present(tax, ['percentage', 'totalPrice']);
        assert.deepEqual(r.links.company, { entity: 'company', key: gen.company.uuid });
        assert.deepEqual(r.links.subscription, { entity: 'subscription', key: gen.subscription });
      }),
      { numRuns: 60 },
    );
  });

  it('SUBSCRIPTION: account, product, seats, the order dates, contract, attribution and line details', () => {
    const subscription = fc.record({
      id: uuid,
      order,
      product: numericId,
      edition: numericId,
      assignedUsers: fc.integer({ min: 0, max: 1000 }),
      created: epochMs,
      label: fc.option(fc.string({ maxLength: 12 }), { nil: null }),
    });
    fc.assert(
      fc.property(subscription, (s) => {
        const content = {
          id: s.id,
          parentSubscriptionId: null,
          creationDate: s.created,
          endDate: null,
          externalAccountId: null,
          status: 'ACTIVE',
          maxUsers: null,
          assignedUsers: s.assignedUsers,
          upcomingOrder: null,
          internalId: String(s.product),
          label: s.label,
          user: s.order.body.user,
          company: s.order.body.company,
          product: { id: String(s.product), href: href('marketplace/v1/products', String(s.product)) },
          edition: { id: String(s.edition), href: href('marketplace/v1/editions', String(s.edition)) },
          order: { ...s.order.body, customAttributes: [{ name: 'costCenter', attributeType: 'TEXT', value: 'X' }] },
        };
        const r = mapped('SUBSCRIPTION', envelope('SUBSCRIPTION', s.id, content));
        present(r.data, [
          'companyId',
          'userId',
          'productId',
          'editionId',
          'assignedUsers',
          'startDate',
          'nextBillingDate',
          'serviceStartDate',
          'orderType',
          'orderFrequency',
          'endOfContractDate',
          'salesSupportUserId',
          'salesSupportCompanyId',
          'customAttributes',
          'orderTotalPrice',
        ]);
        const lines = r.data.orderLines as Array<Record<string, unknown>>;
        present(lines[0] ?? {}, ['listingPrice', 'applicationName', 'editionName']);
        for (const tax of lines.slice(1)) present(tax, ['percentage']);
        assert.deepEqual(r.links.company, { entity: 'company', key: s.order.gen.company.uuid });
      }),
      { numRuns: 60 },
    );
  });

  it('COMPANY: the account fields, with or without a contact', () => {
    const company = fc.record({
      id: uuid,
      name: fc.string({ minLength: 1, maxLength: 30 }),
      website: fc.domain(),
      email: fc.emailAddress(),
      country: fc.constantFrom('US', 'DE', 'CA', 'FR'),
      created: epochMs,
      size: fc.constantFrom('RANGE_1_9', 'RANGE_10_49'),
      industry: fc.constantFrom('TRAVEL', 'MANUFACTURING'),
      contact: fc.option(
        fc.record({ phoneNumber: fc.string({ maxLength: 15 }), address: fc.record({ street1: fc.string(), city: fc.string() }) }),
        {
          nil: null,
        },
      ),
    });
    fc.assert(
      fc.property(company, (c) => {
        const content = {
          id: c.id,
          uuid: c.id,
          externalId: null,
          name: c.name,
          enabled: true,
          contact: c.contact,
          size: c.size,
          status: 'ACTIVE',
          creationDate: c.created,
          industry: c.industry,
          website: c.website,
          emailAddress: c.email,
          countryCode: c.country,
          permissions: [],
        };
        const r = mapped('COMPANY', envelope('COMPANY', c.id, content));
        present(r.data, ['website', 'emailAddress', 'countryCode', 'creationDate', 'status', 'size', 'industry', 'name']);
        if (c.contact === null) assert.equal(r.data.street1, null);
      }),
      { numRuns: 60 },
    );
  });

  it('LEAD (Leads v2): contact, customer company, dates, status and the converted company', () => {
    const lead = fc.record({
      id: uuid,
      status: fc.constantFrom('CONVERTED', 'ASSIGNED', 'SUBMITTED', 'PENDING_SUBMISSION'),
      first: fc.string({ minLength: 1, maxLength: 15 }),
      last: fc.string({ minLength: 1, maxLength: 15 }),
      email: fc.emailAddress(),
      phone: fc.string({ minLength: 1, maxLength: 15 }),
      company: fc.string({ minLength: 1, maxLength: 30 }),
      country: fc.constantFrom('US', 'DE'),
      created: epochMs,
      converted: uuid,
      reseller: uuid,
    });
    fc.assert(
      fc.property(lead, (l) => {
        const content = {
          id: l.id,
          partner: 'P',
          leadType: 'PRODUCT',
          status: l.status,
          customer: {
            company: { name: l.company, street1: 'x', city: 'y', zip: '1', country: l.country, size: 'RANGE_1_9' },
            contact: { firstName: l.first, lastName: l.last, email: l.email, phone: l.phone },
          },
          createdOn: l.created,
          lastModified: l.created + 1000,
          reseller: { id: l.reseller, companyId: l.reseller, companyName: 'R', role: 'RESELLER' },
          convertedCompany: { id: l.converted, name: l.company },
          result: 'WON',
        };
        const r = mapped('LEAD', envelope('LEAD', l.id, content));
        present(r.data, [
          'status',
          'firstName',
          'lastName',
          'email',
          'phoneNumber',
          'companyName',
          'companyCountry',
          'createdOn',
          'lastModified',
          'leadType',
          'result',
          'companyId',
          'assigneeId',
          'content',
        ]);
        assert.deepEqual(r.links.company, { entity: 'company', key: l.converted, match: 'externalId' });
      }),
      { numRuns: 60 },
    );
  });

  it('INVOICE (REST names): buyer, orders, total and lines', () => {
    const invoice = fc.record({
      uuid,
      id: numericId,
      company: accountRef('account/v1/companies'),
      user: accountRef('account/v1/users'),
      total: money,
      date: epochMs,
      lines: fc.array(
        fc.record({
          id: numericId,
          type: fc.constant('ITEM'),
          description: fc.string(),
          quantity: fc.integer({ min: 1, max: 9 }),
          price: money,
          total: money,
        }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    });
    fc.assert(
      fc.property(invoice, (i) => {
        const content = {
          id: i.id,
          uuid: i.uuid,
          locale: 'en_US',
          localized: 'false',
          invoiceNumber: `INV-${i.id}`,
          status: 'UNPAID',
          currency: 'USD',
          invoiceDate: i.date,
          paymentTerms: { dueDate: i.date + 1_209_600_000 },
          total: i.total,
          orderIds: [String(i.id)],
          company: i.company.ref,
          user: i.user.ref,
          invoiceLines: i.lines,
        };
        const r = mapped('INVOICE', envelope('INVOICE', i.uuid, content));
        present(r.data, ['companyId', 'userId', 'orderIds', 'total', 'invoiceDate', 'dueDate', 'status', 'rawLines']);
        for (const line of r.data.lines as Array<Record<string, unknown>>) present(line, ['unitPrice', 'totalPrice', 'quantity']);
        assert.deepEqual(r.links.company, { entity: 'company', key: i.company.uuid });
      }),
      { numRuns: 60 },
    );
  });
});
