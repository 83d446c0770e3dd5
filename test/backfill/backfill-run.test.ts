import { strict as assert } from 'node:assert';
import { BACKFILL_ENTITIES } from '../../src/config/appdirect-api-schema';
import { forEachDatabase } from '../helpers/test-databases';
import { backfillSetup } from '../helpers/backfill-fixtures';

const SEED = { companies: 6, usersPerCompany: 1, subscriptionsPerCompany: 1, products: 3 };
const USERS = '/api/account/v2/users';
const SUBSCRIPTIONS = '/api/billing/v1/subscriptions';

/** Index in the served requests of the first and last one whose path matches. */
function span(served: { path: string }[], test: (path: string) => boolean): { first: number; last: number } {
  const at = served.flatMap((r, i) => (test(r.path) ? [i] : []));
  return { first: at[0] ?? -1, last: at[at.length - 1] ?? -1 };
}

forEachDatabase('backfill run: entities listed concurrently (ADR 0036)', (ctx) => {
  beforeEach(() => ctx.clean());

  it('lists several entities at a time, memberships after companies and users, outcomes in entity order', async () => {
    const s = await backfillSetup(ctx.db, { seed: SEED }, { listConcurrency: 4 });
    try {
      const out = await s.c.backfill('shop').run([...BACKFILL_ENTITIES], { afterPage: async () => void (await s.c.worker.drain()) });
      await s.c.worker.drain();
      assert.deepEqual(
        out.map((o) => o.entity),
        [...BACKFILL_ENTITIES],
      );
      const served = s.market.served;
      const users = span(served, (p) => p.startsWith(USERS));
      const memberships = span(served, (p) => p.endsWith('/memberships'));
      const subscriptions = span(served, (p) => p.startsWith(SUBSCRIPTIONS));
      assert.ok(subscriptions.first < users.last, 'subscriptions are listed while users are');
      assert.ok(memberships.first > users.last, 'memberships wait for the users (and companies) listing');
      const again = await s.c.backfill('shop').run([...BACKFILL_ENTITIES]);
      assert.ok(
        again.every((o) => o.accepted === 0 && o.listed > 0),
        'a second run adds nothing',
      );
      for (const entity of BACKFILL_ENTITIES) {
        assert.equal((await s.c.stores.backfillCheckpoints.get('shop', entity))?.nextIndex, null, entity);
      }
    } finally {
      await s.close();
    }
  });

  it('with listConcurrency 1, lists one entity after another', async () => {
    const s = await backfillSetup(ctx.db, { seed: SEED }, { listConcurrency: 1 });
    try {
      await s.c.backfill('shop').run(['user', 'subscription']);
      const served = s.market.served;
      assert.ok(span(served, (p) => p.startsWith(USERS)).last < span(served, (p) => p.startsWith(SUBSCRIPTIONS)).first);
    } finally {
      await s.close();
    }
  });

  it('the first listing to fail stops the others at their next page; the next run completes every entity from its checkpoint', async () => {
    const s = await backfillSetup(ctx.db, { seed: { ...SEED, companies: 12 } }, { listConcurrency: 4 });
    try {
      let pages = 0;
      const afterPage = async () => {
        if (++pages === 3) s.market.failNext(1, 403);
        await s.c.worker.drain();
      };
      const entities = ['company', 'subscription', 'order', 'invoice'];
      await assert.rejects(s.c.backfill('shop').run(entities, { afterPage }), { code: 'APPDIRECT_API_REFUSED' });
      const unfinished = await Promise.all(entities.map((e) => s.c.stores.backfillCheckpoints.get('shop', e as 'company')));
      assert.ok(
        unfinished.some((c) => c !== undefined && c.completedAt === null),
        'a listing was stopped mid-way',
      );
      const out = await s.c.backfill('shop').run(entities);
      await s.c.worker.drain();
      assert.ok(
        out.some((o) => o.resumedFrom > 0),
        'a listing resumed from its checkpoint',
      );
      const events = Number(((await ctx.db('inbox_events').count({ n: '*' }).first()) as { n: number | string }).n);
      assert.equal(events, 12 * 4, 'every item once: 12 companies, subscriptions, orders and invoices');
    } finally {
      await s.close();
    }
  });
});
