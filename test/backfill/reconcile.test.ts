import { strict as assert } from 'node:assert';
import { companyItem, userItem } from '../../src/simulate/marketplace-seed';
import { backfillSetup } from '../helpers/backfill-fixtures';
import { forEachDatabase } from '../helpers/test-databases';

type Setup = Awaited<ReturnType<typeof backfillSetup>>;

const liveCompanies = async (s: Setup) =>
  ((await s.c.db('records').where({ entity: 'company', deleted: false }).select('record_key')) as { record_key: string }[])
    .map((r) => r.record_key)
    .sort();

forEachDatabase('reconcile job (fake marketplace)', (ctx) => {
  beforeEach(() => ctx.clean());

  for (const tombstoneMissing of [false, true]) {
    it(`finds a company missing locally (brought in) and one missing remotely (${tombstoneMissing ? 'tombstoned' : 'reported only'})`, async () => {
      // The marketplace's clock: the reconcile reads a minute after the backfill, as a scheduled run would.
      let offset = 0;
      const s = await backfillSetup(
        ctx.db,
        { seed: { companies: 4, usersPerCompany: 0, subscriptionsPerCompany: 0 }, now: () => Date.now() + offset },
        { reconcile: { entities: ['company'], tombstoneMissing } },
      );
      try {
        await s.c.backfill('shop').run(['company']);
        await s.c.worker.drain();
        const gone = s.market.data.companies.shift() as { uuid: string };
        const added = companyItem(99, Date.now());
        s.market.data.companies.push(added);

        offset = 60_000;
        const counts = await s.c.jobs.run('reconcile:shop');
        assert.equal(counts['company missing locally'], 1);
        assert.equal(counts['company missing remotely'], 1);
        assert.equal(counts['company listed (full)'], 4);
        await s.c.worker.drain();

        const live = await liveCompanies(s);
        assert.ok(live.includes(added.uuid as string), 'the company missing locally was brought in');
        assert.equal(live.includes(gone.uuid), !tombstoneMissing);
        const metric = await s.c.metrics?.registry.getSingleMetricAsString('appdirect_sync_reconcile_findings_total');
        assert.ok(
          (metric ?? '').includes('appdirect_sync_reconcile_findings_total{source="shop",entity="company",finding="missing_remotely"} 1'),
          metric,
        );
      } finally {
        await s.close();
      }
    });
  }

  it('lists only what changed since the last complete listing between full ones (users: lastModified)', async () => {
    const s = await backfillSetup(
      ctx.db,
      { seed: { companies: 3, usersPerCompany: 2, subscriptionsPerCompany: 0 } },
      { reconcile: { entities: ['user'], fullEvery: 3 } },
    );
    try {
      const first = await s.c.jobs.run('reconcile:shop');
      assert.equal(first['user listed (full)'], 6);
      assert.equal(first['user missing locally'], 6);
      await s.c.worker.drain();
      // Stamped a second ahead of the marketplace's Date of that listing: modified after it.
      s.market.data.users.push({ ...userItem('new', Date.now()), lastModified: Date.now() + 1000 });
      const second = await s.c.jobs.run('reconcile:shop');
      assert.equal(second['user listed (incremental)'], 1);
      assert.equal(second['user missing locally'], 1);
      assert.equal(second['user missing remotely'], 0, 'an incremental listing never reports missing records');
      const third = await s.c.jobs.run('reconcile:shop');
      assert.equal(third['user listed (incremental)'], 1);
      const fourth = await s.c.jobs.run('reconcile:shop');
      assert.equal(fourth['user listed (full)'], 7);
    } finally {
      await s.close();
    }
  });

  it('runs on its schedule under the job lock of the one scheduler', async () => {
    const s = await backfillSetup(
      ctx.db,
      { seed: { companies: 2, usersPerCompany: 0, subscriptionsPerCompany: 0 } },
      { reconcile: { entities: ['company'], schedule: '40 2 * * *' } },
    );
    try {
      const job = s.c.jobs.jobs.find((j) => j.name === 'reconcile:shop');
      assert.equal(job?.schedule, '40 2 * * *');
      await s.c.jobs.runScheduled('reconcile:shop'); // one cron tick, as node-cron would fire it
      await s.c.worker.drain();
      assert.equal((await liveCompanies(s)).length, 2, 'the tick brought the companies in');
      const lock = (await ctx.db('job_locks').where({ name: 'reconcile:shop' }).first()) as { last_tick: string | null } | undefined;
      assert.ok(lock?.last_tick, "the tick took that minute's job lock");
    } finally {
      await s.close();
    }
  });

  it('leaves an unfinished backfill its place: a reconcile in between moves only the watermark', async () => {
    const s = await backfillSetup(
      ctx.db,
      { seed: { companies: 6, usersPerCompany: 0, subscriptionsPerCompany: 0 } },
      { reconcile: { entities: ['company'] } },
    );
    try {
      s.market.atApiCall(2, () => s.market.failNext(1, 403)); // the second page is refused, the first committed
      await assert.rejects(s.c.backfill('shop').listEntity('company', { resume: true }), { code: 'APPDIRECT_API_REFUSED' });
      await s.c.jobs.run('reconcile:shop');
      const saved = await s.c.stores.backfillCheckpoints.get('shop', 'company');
      assert.equal(saved?.nextIndex, 1, 'the backfill still resumes at its second page');
      assert.ok(saved?.watermark, 'the reconcile listing set the watermark');
      assert.equal(saved?.runs, 1);
    } finally {
      await s.close();
    }
  });
});
