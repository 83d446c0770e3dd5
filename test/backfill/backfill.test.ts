import { strict as assert } from 'node:assert';
import { forEachDatabase } from '../helpers/test-databases';
import { backfillSetup } from '../helpers/backfill-fixtures';

const countRows = async (db: import('knex').Knex, table: string, where: Record<string, unknown> = {}) =>
  Number(((await db(table).where(where).count({ n: '*' }).first()) as { n: number | string }).n);

forEachDatabase('backfill from the REST API (fake marketplace)', (ctx) => {
  beforeEach(() => ctx.clean());

  it('reads every page of every paging style into records, and a second run adds no event and no change', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 7, usersPerCompany: 1, subscriptionsPerCompany: 1, products: 4 } });
    try {
      const backfill = s.c.backfill('shop');
      const drain = async () => void (await s.c.worker.drain());
      for (const entity of ['company', 'subscription', 'order', 'invoice'] as const) {
        const out = await backfill.listEntity(entity, { resume: true, afterPage: drain });
        assert.equal(out.listed, 7, entity);
        assert.equal(out.accepted, 7, entity);
      }
      // Pages of 3: companies (Spring) 0..2, subscriptions (offset) 0,3,6, orders ({orders,total}) 0..2, invoices up to the 204.
      assert.deepEqual(
        s.market.calls('/api/account/v2/companies').map((r) => r.status),
        [200, 200, 200],
      );
      assert.equal(s.market.calls('/api/billing/v1/subscriptions').length, 3);
      assert.equal(s.market.calls('/api/billing/v1/orders').length, 3);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'company', deleted: false }), 7);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'subscription' }), 7);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'order' }), 7);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'invoice' }), 7);
      const company = (await ctx.db('records').where({ entity: 'company' }).first()) as { data: string };
      const data = JSON.parse(company.data) as Record<string, unknown>;
      assert.match(String(data.name), /^Company \d$/);
      assert.equal(data.street1 !== null, true, 'the v2 address reaches the v1 contact.address the mapping reads');
      const events = await countRows(ctx.db, 'inbox_events');
      const changes = await countRows(ctx.db, 'changes');
      assert.equal(changes, 28);

      for (const entity of ['company', 'subscription', 'order', 'invoice'] as const) {
        const again = await backfill.listEntity(entity, { resume: true, afterPage: drain });
        assert.equal(again.accepted, 0, entity);
        assert.equal(again.unchanged, 7, entity);
      }
      assert.equal(await countRows(ctx.db, 'inbox_events'), events);
      assert.equal(await countRows(ctx.db, 'changes'), changes);
    } finally {
      await s.close();
    }
  });
});
