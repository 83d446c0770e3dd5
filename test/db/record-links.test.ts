import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { KnexChangeFeed } from '../../src/feed/knex-change-feed';
import { createEntityViewStore } from '../../src/records/create-record-stores';
import { EntityViewService } from '../../src/records/entity-view-service';
import { KnexRecordLinkStore } from '../../src/records/knex-record-link-store';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, type EngineHarness } from '../helpers/worker-harness';

const MAPPINGS = join(__dirname, '..', '..', 'mappings');
const SHIPPED = Object.fromEntries(
  readdirSync(MAPPINGS)
    .filter((n) => n.endsWith('.yaml') && !n.endsWith('.tests.yaml'))
    .map((n) => [n, readFileSync(join(MAPPINGS, n), 'utf8')]),
);
const fixture = (path: string) => JSON.parse(readFileSync(join(MAPPINGS, 'fixtures', path), 'utf8')) as Record<string, any>;

const COMPANY_UUID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const SUBSCRIPTION_UUID = '55481f0e-0c7d-4e3a-9f61-2b3c4d5e6f70';
/** The entities the shipped mappings produce: what `records links --dangling` asks about. */
const MAPPED = ['company', 'invoice', 'lead', 'order', 'subscription'];

/** The captured-shape subscription, optionally without the hrefs (then the company link carries the external id). */
function subscriptionBody(withHrefs = true): Buffer {
  const body = fixture('subscription/documented-added.json');
  if (!withHrefs) {
    delete body.resource.content.company.href;
    delete body.resource.content.order.company.href;
  }
  return Buffer.from(JSON.stringify(body));
}

forEachDatabase('links between records', (ctx) => {
  let h: EngineHarness;
  let links: KnexRecordLinkStore;

  beforeEach(async () => {
    await ctx.clean();
    await ctx.db.transaction((trx) => createEntityViewStore(ctx.db).apply(trx, []));
    h = await engineHarness({}, ctx.db, SHIPPED);
    links = new KnexRecordLinkStore(ctx.db);
  });
  afterEach(() => h.close());

  async function drain(): Promise<void> {
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
  }
  const dangling = (entity?: string) => links.dangling({ entity, targetEntities: MAPPED, limit: 100 });

  it('lists exactly the company link of a subscription stored before its company, and nothing once the company arrives', async () => {
    await h.acceptRaw([subscriptionBody()]);
    await drain();
    const before = await dangling();
    assert.deepEqual(before.links, [
      {
        source: 'shop',
        entity: 'subscription',
        key: SUBSCRIPTION_UUID,
        link: 'company',
        target: { entity: 'company', key: COMPANY_UUID },
      },
    ]);
    assert.deepEqual(before.counts, [{ entity: 'subscription', link: 'company', targetEntity: 'company', count: 1 }]);
    assert.equal((await dangling('company')).counts.length, 0, '--entity narrows to the linking entity');
    // Without the target filter the user link shows too: no mapping produces users yet (the backfill brings one).
    assert.deepEqual(
      (await links.dangling({ limit: 100 })).counts.map((c) => c.link),
      ['company', 'user'],
    );

    await h.acceptRaw([Buffer.from(JSON.stringify(fixture('company/documented-changed.json')))]);
    await drain();
    assert.deepEqual(await dangling(), { links: [], counts: [] });
  });

  it('finds the company by its externalId when the subscription names it only by external id', async () => {
    await h.acceptRaw([subscriptionBody(false)]);
    await drain();
    const before = await dangling();
    assert.deepEqual(
      before.links.map((l) => l.target),
      [{ entity: 'company', key: 'CUST-0042', match: 'externalId' }],
    );
    // The company's key is its uuid; its externalId field holds CUST-0042.
    await h.acceptRaw([Buffer.from(JSON.stringify(fixture('company/documented-changed.json')))]);
    await drain();
    assert.deepEqual((await dangling()).links, []);
    // A company with another external id would not have resolved it.
    const other = fixture('company/documented-changed.json');
    other.uuid = 'other-delivery';
    other.timestamp += 1;
    other.resource.content.externalId = 'CUST-9999';
    await h.acceptRaw([Buffer.from(JSON.stringify(other))]);
    await drain();
    assert.deepEqual(
      (await dangling()).links.map((l) => l.target.key),
      ['CUST-0042'],
    );
  });

  it('puts the links in feed items and in <link>_key view columns', async () => {
    await h.acceptRaw([subscriptionBody(), Buffer.from(JSON.stringify(fixture('order/documented-added.json')))]);
    await drain();
    const page = await new KnexChangeFeed(ctx.db).readAfter('0', { limit: 10 });
    const sub = page.changes.find((c) => c.entity === 'subscription');
    assert.deepEqual(sub?.links, {
      company: { entity: 'company', key: COMPANY_UUID },
      user: { entity: 'user', key: '7b1e2d3c-4a5b-4c6d-8e9f-0a1b2c3d4e5f' },
    });
    assert.equal(sub?.data.companyId, 'CUST-0042');
    assert.equal('$links' in (sub?.data ?? {}), false, 'links travel beside the data, not in it');

    const views = new EntityViewService(ctx.db, createEntityViewStore(ctx.db), h.mappings, pino({ level: 'silent' }));
    await views.refresh();
    const subRow = (await ctx.db('entity_subscription').select('company_key', 'user_key', 'company_id').first()) as Record<string, unknown>;
    assert.deepEqual(subRow, { company_key: COMPANY_UUID, user_key: '7b1e2d3c-4a5b-4c6d-8e9f-0a1b2c3d4e5f', company_id: 'CUST-0042' });
    const orderRow = (await ctx.db('entity_order').select('subscription_key', 'subscription_id').first()) as Record<string, unknown>;
    assert.deepEqual(orderRow, {
      subscription_key: '1b57a2c3-d4e5-4f6a-8b7c-9d0e1f2a3b4c',
      subscription_id: '1b57a2c3-d4e5-4f6a-8b7c-9d0e1f2a3b4c',
    });
  });
});
