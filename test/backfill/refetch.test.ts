import { strict as assert } from 'node:assert';
import { FakeMarketplace } from '../../src/simulate/fake-marketplace';
import { backfillSetup, CLIENT } from '../helpers/backfill-fixtures';
import { forEachDatabase } from '../helpers/test-databases';

type Setup = Awaited<ReturnType<typeof backfillSetup>>;

/** Posts a delivery through the receiver, as AppDirect would; resolves with its inbox id. */
async function deliver(s: Setup, envelope: Record<string, unknown>): Promise<number> {
  const body = Buffer.from(JSON.stringify(envelope));
  const outcome = await s.c.receiver.receive({ source: 'shop', principal: 'test', body, requestId: 'r1', remoteAddress: undefined });
  return outcome.id;
}

const event = async (s: Setup, id: number) =>
  (await s.c.db('inbox_events').where({ id }).first()) as { status: string; error_code: string | null; attempts: number };

forEachDatabase('re-fetch of resource.url for deliveries without content', (ctx) => {
  let s: Setup;
  beforeEach(async () => {
    await ctx.clean();
    s = await backfillSetup(ctx.db, { seed: { companies: 2 } }, {}, { backoffBaseMs: 1, backoffMaxMs: 1, maxAttempts: 3 });
  });
  afterEach(() => s.close());

  it('completes an ADDED without content by a GET of its url on the marketplace, then maps it', async () => {
    const order = s.market.data.orders[0] as { id: number; status: string };
    const id = await deliver(s, {
      uuid: 'w-order-1',
      timestamp: 1_800_000_000_000,
      resourceAction: 'ADDED',
      resource: { type: 'ORDER', uuid: order.id, url: `${s.market.url}/api/billing/v1/orders/${order.id}` },
    });
    await s.c.worker.drain();
    assert.equal((await event(s, id)).status, 'done');
    assert.deepEqual(
      s.market.calls('/api/billing/v1/orders').map((r) => r.path),
      [`/api/billing/v1/orders/${order.id}`],
    );
    const record = (await ctx
      .db('records')
      .where({ entity: 'order', record_key: String(order.id) })
      .first()) as { data: string };
    assert.equal((JSON.parse(record.data) as { status: string }).status, order.status);
  });

  it('never fetches for a REMOVED: it tombstones from the key alone', async () => {
    const id = await deliver(s, {
      uuid: 'w-order-gone',
      timestamp: 1_800_000_000_000,
      resourceAction: 'REMOVED',
      resource: { type: 'ORDER', uuid: 42, url: `${s.market.url}/api/billing/v1/orders/42` },
    });
    await s.c.worker.drain();
    assert.equal((await event(s, id)).status, 'done');
    assert.equal(s.market.calls('/api/').length, 0);
  });

  it('refuses a url on another host (or port, or scheme): the event fails with REFETCH_URL_REFUSED and nothing is requested', async () => {
    const attacker = await FakeMarketplace.start({ ...CLIENT, seed: { companies: 1 } });
    try {
      const urls = [
        `${attacker.url}/api/billing/v1/orders/1`, // same address, another port: another origin
        'http://169.254.169.254/latest/meta-data/iam',
        `https://evil.example.com/api/billing/v1/orders/1`,
        `${s.market.url.replace('http://127.0.0.1', 'http://user:pw@127.0.0.1')}/api/billing/v1/orders/1`,
        'not a url',
      ];
      const ids: number[] = [];
      for (const [i, url] of urls.entries()) {
        ids.push(
          await deliver(s, {
            uuid: `w-ssrf-${i}`,
            timestamp: 1_800_000_000_000,
            resourceAction: 'CHANGED',
            resource: { type: 'ORDER', uuid: 1, url },
          }),
        );
      }
      await s.c.worker.drain();
      for (const id of ids)
        assert.deepEqual(await event(s, id), { ...(await event(s, id)), status: 'failed', error_code: 'REFETCH_URL_REFUSED' });
      assert.equal(attacker.served.length, 0);
      assert.equal(s.market.served.length, 0);
    } finally {
      await attacker.close();
    }
  });

  it('a failing fetch leaves the event waiting with REFETCH_FAILED, and a later attempt completes it', async () => {
    const order = s.market.data.orders[0] as { id: number };
    s.market.failNext(1, 503);
    const id = await deliver(s, {
      uuid: 'w-order-retry',
      timestamp: 1_800_000_000_000,
      resourceAction: 'CHANGED',
      resource: { type: 'ORDER', uuid: order.id, url: `${s.market.url}/api/billing/v1/orders/${order.id}` },
    });
    await s.c.worker.tick();
    assert.deepEqual(await event(s, id), { ...(await event(s, id)), status: 'accepted', error_code: 'REFETCH_FAILED', attempts: 1 });
    await new Promise((r) => setTimeout(r, 20)); // past the 1 ms backoff
    await s.c.worker.drain();
    assert.equal((await event(s, id)).status, 'done');
    assert.equal(
      await ctx
        .db('records')
        .where({ entity: 'order' })
        .count({ n: '*' })
        .first()
        .then((r) => Number(r?.n)),
      1,
    );
  });
});
