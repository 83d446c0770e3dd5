import { strict as assert } from 'node:assert';
import pino from 'pino';
import { RESOURCE_LISTINGS } from '../../../src/appdirect-api/resource-catalog';
import { snapshotDelivery } from '../../../src/backfill/snapshot-delivery';
import type { SnapshotPageInput } from '../../../src/backfill/snapshot-page';
import { InlineSnapshotPreparer, ThreadedSnapshotPreparer } from '../../../src/backfill/snapshot-preparer';

const SERVER_DATE = Date.parse('2026-12-01T12:00:05Z');

function companyPage(body: unknown, index = 0): SnapshotPageInput {
  return {
    entity: 'company',
    path: '/api/account/v2/companies',
    index,
    pageSize: 2,
    parent: undefined,
    bytes: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    serverDate: SERVER_DATE,
    roundTripMs: 20,
    localNow: 0,
    baseUrl: 'https://acme.byappdirect.com/',
  };
}

const companies = [
  { uuid: 'c1', name: 'Acme', address: { city: 'Montreal' } },
  { name: 'no id' },
  { uuid: 'c2', name: 'Globex', lastModified: SERVER_DATE + 500 },
];

describe('snapshot preparer: listed pages into deliveries, on a thread of its own (ADR 0036)', () => {
  const threaded = new ThreadedSnapshotPreparer(pino({ level: 'silent' }));
  after(() => threaded.close());

  it('gives on the thread exactly the page the inline preparer gives, bodies included', async () => {
    const input = companyPage({ content: companies, page: { number: 0, totalPages: 3, totalElements: 6 } });
    const [here, there] = await Promise.all([new InlineSnapshotPreparer().prepare(input), threaded.prepare(input)]);
    assert.deepEqual(there, here);
    assert.deepEqual(
      { next: here.next, total: here.total, listed: here.listed, skipped: here.skipped, listedAt: here.listedAt },
      { next: 1, total: 6, listed: 3, skipped: 1, listedAt: SERVER_DATE - 20 },
    );
    const base = new URL('https://acme.byappdirect.com/');
    const c2 = companies[2] as Record<string, unknown>;
    assert.deepEqual(there.deliveries[1], snapshotDelivery(RESOURCE_LISTINGS.company, c2, 'c2', SERVER_DATE + 500, base));
    assert.ok(Buffer.isBuffer(there.deliveries[0]?.body));
  });

  it('prepares pages sent together, each with its own answer', async () => {
    const inputs = [0, 1, 2].map((i) => companyPage({ content: [{ uuid: `c${i}` }], page: { number: i, totalPages: 3 } }, i));
    const pages = await Promise.all(inputs.map((input) => threaded.prepare(input)));
    assert.deepEqual(
      pages.map((p) => [p.index, p.next, p.deliveries[0]?.resourceUuid]),
      [
        [0, 1, 'c0'],
        [1, 2, 'c1'],
        [2, null, 'c2'],
      ],
    );
  });

  it('a page that is not JSON, or has no items array, fails with the AppError the inline path throws', async () => {
    await assert.rejects(threaded.prepare(companyPage('<html>')), { code: 'APPDIRECT_API_BAD_RESPONSE', name: 'AppError' });
    await assert.rejects(threaded.prepare(companyPage({ items: [] })), { code: 'APPDIRECT_API_BAD_RESPONSE' });
  });

  it('an empty body (204) is an empty last page', async () => {
    const page = await threaded.prepare(companyPage(''));
    assert.deepEqual([page.listed, page.next, page.deliveries.length, page.listedAt], [0, null, 0, undefined]);
  });

  it('pages in flight when the thread goes away are prepared here instead, and so is every later one', async () => {
    const preparer = new ThreadedSnapshotPreparer(pino({ level: 'silent' }));
    const input = companyPage({ content: companies, page: { number: 0, totalPages: 1 } });
    const expected = await new InlineSnapshotPreparer().prepare(input);
    await preparer.prepare(input); // the thread is up
    const inFlight = preparer.prepare(input);
    await preparer.close();
    assert.deepEqual(await inFlight, expected);
    assert.deepEqual(await preparer.prepare(input), expected);
  });
});
