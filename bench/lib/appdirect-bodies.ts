import { randomUUID } from 'node:crypto';

/**
 * An AppDirect-shaped SUBSCRIPTION CHANGED delivery of about 1.5 KB, with a fresh envelope uuid each call,
 * so a load test measures intake, not the duplicate path.
 */
export function subscriptionDelivery(i: number): string {
  const sub = `5a4c1e2b-0000-4000-8000-${String(i % 1_000_000).padStart(12, '0')}`;
  return JSON.stringify({
    uuid: randomUUID(),
    timestamp: 1_795_000_000_000 + i,
    resource: {
      type: 'SUBSCRIPTION',
      uuid: sub,
      url: `https://example.byappdirect.com/api/billing/v1/subscriptions/${sub}`,
      content: {
        id: sub,
        creationDate: '2026-11-01T10:15:30-05:00',
        endDate: null,
        externalAccountId: `acct-${i}`,
        status: 'ACTIVE',
        maxUsers: '25',
        parentSubscriptionId: null,
        customAttributes: [{ name: 'costCenter', value: 'CC-1042' }],
        order: {
          id: String(123_456_000 + (i % 1000)),
          status: 'ACTIVE',
          frequency: 'MONTHLY',
          currency: 'USD',
          type: 'NEW',
          totalPrice: '249.9000000000',
          startDate: '2026-11-01T00:00:00-06:00',
          nextBillingDate: '2026-12-01T00:00:00-06:00',
          paymentPlanId: '8842',
          discountId: null,
          activated: true,
          user: { id: 'a1b2c3d4-1111-4222-8333-444455556666', href: 'https://example.byappdirect.com/api/account/v1/users/a1b2c3d4' },
          company: {
            id: 'c0ffee00-1111-4222-8333-444455556666',
            href: 'https://example.byappdirect.com/api/account/v1/companies/c0ffee00',
          },
          paymentPlan: {
            id: '8842',
            uuid: 'f2e1d0c9-0000-4000-8000-000000008842',
            frequency: 'MONTHLY',
            keepBillDateOnPricingPlanChange: true,
            contract: { minimumServiceLength: 12, cancellationPeriodLimit: 30, endOfContractGracePeriod: 5 },
          },
          orderLines: [
            { type: 'ITEM', unit: 'USER', quantity: '25', price: '9.9960000000', totalPrice: '249.9000000000', description: 'Seats' },
            { type: 'TAX', unit: 'UNIT', quantity: '1', price: '0.0000000000', totalPrice: '0.0000000000', description: 'Sales tax' },
          ],
        },
      },
    },
    resourceAction: 'CHANGED',
  });
}
