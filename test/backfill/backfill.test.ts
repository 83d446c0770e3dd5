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

forEachDatabase('backfill: contacts, products, restarts, 429s and tokens', (ctx) => {
  beforeEach(() => ctx.clean());
  const drainOf = (s: Awaited<ReturnType<typeof backfillSetup>>) => async () => void (await s.c.worker.drain());

  it('brings users, memberships (per company) and catalog products in through their mapping files', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 4, usersPerCompany: 2, subscriptionsPerCompany: 0, products: 5 } });
    try {
      const out = await s.c.backfill('shop').run(['catalog_product', 'membership', 'user', 'company'], { afterPage: drainOf(s) });
      assert.deepEqual(
        out.map((o) => [o.entity, o.listed, o.accepted]),
        [
          ['company', 4, 4],
          ['user', 8, 8],
          ['membership', 8, 8],
          ['catalog_product', 5, 5],
        ],
      );
      assert.equal(await countRows(ctx.db, 'records', { entity: 'user' }), 8);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'membership' }), 8);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'catalog_product' }), 5);
      assert.equal(await countRows(ctx.db, 'inbox_events', { status: 'done' }), 25);
      const company = s.market.data.companies[0] as { uuid: string; name: string };
      const memberships = (await ctx.db('records').where({ entity: 'membership' }).select('record_key', 'data')) as {
        record_key: string;
        data: string;
      }[];
      const ofCompany = memberships
        .filter((m) => m.record_key.startsWith(`${company.uuid}:`))
        .map((m) => JSON.parse(m.data) as Record<string, unknown>);
      assert.equal(ofCompany.length, 2);
      assert.deepEqual(
        ofCompany.map((m) => m.companyName),
        [company.name, company.name],
      );
    } finally {
      await s.close();
    }
  });

  it('an interrupted backfill resumes at the page after the last one committed', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 10, subscriptionsPerCompany: 0, usersPerCompany: 0 } });
    try {
      const backfill = s.c.backfill('shop');
      // The marketplace refuses the third page (set by call, not after a commit: the next pages are asked for while
      // the ones before are committed): the run stops after committing the first two.
      s.market.atApiCall(3, () => s.market.failNext(1, 403));
      const afterPage = drainOf(s);
      await assert.rejects(backfill.listEntity('company', { resume: true, afterPage }), { code: 'APPDIRECT_API_REFUSED' });
      assert.equal(await countRows(ctx.db, 'records', { entity: 'company' }), 6);
      const saved = await s.c.stores.backfillCheckpoints.get('shop', 'company');
      assert.equal(saved?.nextIndex, 2);

      const requested = s.market.calls('/api/account/v2/companies').length;
      const resumed = await backfill.listEntity('company', { resume: true, afterPage: drainOf(s) });
      assert.equal(resumed.resumedFrom, 2);
      // Pages 2 and 3 only: the first two are not read again.
      assert.equal(s.market.calls('/api/account/v2/companies').length - requested, 2);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'company' }), 10);
      assert.equal(await countRows(ctx.db, 'inbox_events'), 10);
      const done = await s.c.stores.backfillCheckpoints.get('shop', 'company');
      assert.equal(done?.nextIndex, null);
      assert.ok(done?.completedAt);
    } finally {
      await s.close();
    }
  });

  it('a membership backfill interrupted between companies resumes at the next company', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 4, usersPerCompany: 2, subscriptionsPerCompany: 0 } });
    try {
      let pages = 0;
      const afterPage = async () => {
        if (++pages === 2) s.market.failNext(1, 403); // after the second company's memberships
      };
      await assert.rejects(s.c.backfill('shop').listEntity('membership', { resume: true, afterPage }), { code: 'APPDIRECT_API_REFUSED' });
      const memberships = () => s.market.calls('/api/account/v2/companies/').filter((r) => r.status === 200);
      assert.equal(memberships().length, 2);
      const out = await s.c.backfill('shop').listEntity('membership', { resume: true });
      assert.equal(memberships().length, 4, 'the last two companies only');
      assert.equal(out.accepted, 8);
      assert.equal(await countRows(ctx.db, 'inbox_events'), 8);
    } finally {
      await s.close();
    }
  });

  it('waits out 429s for at least Retry-After, retries 5xx, and renews an expired token once', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 5, subscriptionsPerCompany: 0, usersPerCompany: 0 } });
    try {
      const backfill = s.c.backfill('shop');
      s.market.failNext(1, 429, 1);
      s.market.failNext(1, 503);
      const started = Date.now();
      // The tokens expire before the fourth call (the second page): set by call, as the page is asked for ahead.
      s.market.atApiCall(4, () => s.market.expireTokens());
      const afterPage = drainOf(s);
      const out = await backfill.listEntity('company', { resume: true, afterPage });
      assert.ok(Date.now() - started >= 1000, 'Retry-After: 1 was honoured');
      assert.equal(out.accepted, 5);
      const statuses = s.market.calls('/api/account/v2/companies').map((r) => r.status);
      assert.deepEqual(statuses, [429, 503, 200, 401, 200]);
      assert.equal(s.market.tokensIssued, 2);
      assert.equal(await countRows(ctx.db, 'records', { entity: 'company' }), 5);
    } finally {
      await s.close();
    }
  });

  it('--since lists only the users modified since, and everything of the lists without a date filter', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 2, usersPerCompany: 2, subscriptionsPerCompany: 0 } });
    try {
      (s.market.data.users[0] as { lastModified: number }).lastModified = Date.now();
      const out = await s.c.backfill('shop').run(['company', 'user'], { since: Date.now() - 60_000 });
      assert.deepEqual(
        out.map((o) => [o.entity, o.listed]),
        [
          ['company', 2],
          ['user', 1],
        ],
      );
    } finally {
      await s.close();
    }
  });

  it('gives up after maxAttempts with APPDIRECT_API_UNAVAILABLE, keeping the checkpoint', async () => {
    const s = await backfillSetup(ctx.db, { seed: { companies: 2, subscriptionsPerCompany: 0, usersPerCompany: 0 } }, { maxAttempts: 3 });
    try {
      s.market.failNext(3, 502);
      await assert.rejects(s.c.backfill('shop').listEntity('company', { resume: true }), { code: 'APPDIRECT_API_UNAVAILABLE' });
      assert.equal(s.market.calls('/api/account/v2/companies').length, 3);
      assert.equal((await s.c.stores.backfillCheckpoints.get('shop', 'company'))?.nextIndex, 0);
    } finally {
      await s.close();
    }
  });
});

forEachDatabase('backfill meets webhooks: the ordering rule (ADR 0027)', (ctx) => {
  beforeEach(() => ctx.clean());

  it('an older webhook after a snapshot is stale; a snapshot older than a webhook is stale; a later one applies', async () => {
    const T = Date.parse('2026-12-01T12:00:00Z');
    let marketNow = T;
    const s = await backfillSetup(ctx.db, { seed: { companies: 1, usersPerCompany: 0, subscriptionsPerCompany: 0 }, now: () => marketNow });
    try {
      const company = s.market.data.companies[0] as { uuid: string; name: string };
      const backfill = () =>
        s.c.backfill('shop').listEntity('company', { resume: true, afterPage: async () => void (await s.c.worker.drain()) });
      const webhook = async (uuid: string, timestamp: number, name: string) => {
        const content = { id: company.uuid, uuid: company.uuid, name, enabled: true, contact: null };
        const body = Buffer.from(
          JSON.stringify({ uuid, timestamp, resourceAction: 'CHANGED', resource: { type: 'COMPANY', uuid: company.uuid, content } }),
        );
        const { id } = await s.c.receiver.receive({ source: 'shop', principal: 'test', body, requestId: uuid, remoteAddress: undefined });
        await s.c.worker.drain();
        return ((await ctx.db('inbox_events').where({ id }).first()) as { status: string }).status;
      };
      const name = async () =>
        (
          JSON.parse(
            ((await ctx.db('records').where({ entity: 'company', record_key: company.uuid }).first()) as { data: string }).data,
          ) as { name: string }
        ).name;

      await backfill();
      assert.equal(await name(), company.name);
      assert.equal(await webhook('w-old', T - 60_000, 'Older name'), 'stale', 'an older webhook arriving after the snapshot');
      assert.equal(await webhook('w-new', T + 60_000, 'Newer name'), 'done');

      company.name = 'Renamed at the marketplace';
      await backfill(); // read at T: older than the webhook of T + 60 s
      assert.equal(await name(), 'Newer name', 'a snapshot never overwrites a newer webhook');

      marketNow = T + 120_000;
      company.name = 'Renamed again';
      await backfill();
      assert.equal(await name(), 'Renamed again', 'a snapshot read after the webhook applies');
    } finally {
      await s.close();
    }
  });
});
