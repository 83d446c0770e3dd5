import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { RESOURCE_LISTINGS } from '../../../src/appdirect-api/resource-catalog';
import { NO_DATE_SKEW_MS, snapshotDelivery, snapshotTimestamp } from '../../../src/backfill/snapshot-delivery';

describe('snapshot deliveries (ADR 0027)', () => {
  const date = Date.parse('2026-12-01T12:00:05Z') + 730; // the header says 12:00:05; the answer left 730 ms into it

  it("dates a snapshot at the marketplace's Date, floored to the second, less the round trip", () => {
    assert.equal(snapshotTimestamp({ serverDate: date, roundTripMs: 200 }, {}, 0), Date.parse('2026-12-01T12:00:05Z') - 200);
  });

  it('moves up to lastModified when the item changed inside that window; never by the local clock', () => {
    const lastModified = Date.parse('2026-12-01T12:00:04.950Z');
    assert.equal(snapshotTimestamp({ serverDate: date, roundTripMs: 200 }, { lastModified }, Date.now() + 3_600_000), lastModified);
  });

  it('without a Date header, takes the local clock less a skew allowance', () => {
    assert.equal(snapshotTimestamp({ serverDate: undefined, roundTripMs: 10 }, {}, 1_000_000_000), 1_000_000_000 - NO_DATE_SKEW_MS - 10);
  });

  it('gives the same uuid to the same content and another to changed content, whatever the time', () => {
    const base = new URL('https://acme.byappdirect.com');
    const item = { uuid: 'c1', name: 'Acme', address: { city: 'Montreal' } };
    const a = snapshotDelivery(RESOURCE_LISTINGS.company, item, 'c1', 1, base);
    const b = snapshotDelivery(RESOURCE_LISTINGS.company, { address: { city: 'Montreal' }, name: 'Acme', uuid: 'c1' }, 'c1', 2, base);
    const c = snapshotDelivery(RESOURCE_LISTINGS.company, { ...item, name: 'Acme Inc.' }, 'c1', 1, base);
    assert.equal(a.uuid, b.uuid);
    assert.notEqual(a.uuid, c.uuid);
    assert.match(a.uuid, /^snapshot:COMPANY:c1:[0-9a-f]{32}$/);
    const envelope = JSON.parse(a.body.toString('utf8')) as { resource: { url: string; content: { id: string; contact: unknown } } };
    assert.equal(envelope.resource.url, 'https://acme.byappdirect.com/api/account/v1/companies/c1?isExternalId=false');
    assert.deepEqual(envelope.resource.content.contact, { phoneNumber: null, address: { city: 'Montreal' } });
  });

  it('keeps the uuids earlier builds gave, so a backfill after an upgrade adds no event for unchanged items', () => {
    // Computed by the build before the content was serialized once (a80be02): the same hash of the same canonical JSON.
    const base = new URL('https://acme.byappdirect.com');
    const company = snapshotDelivery(RESOURCE_LISTINGS.company, { uuid: 'c1', name: 'Acme', address: { city: 'Montreal' } }, 'c1', 1, base);
    assert.equal(company.uuid, 'snapshot:COMPANY:c1:c98c6943007ea308d4f11cb1990b0875');
    const invoiceItem = {
      invoiceId: 7,
      creationDate: 1,
      dueDate: 2,
      invoiceLines: [{ price: 1, total: 2, description: 'x' }],
      referenceNumber: 'R-7',
      company: { id: 'c1' },
    };
    const invoice = snapshotDelivery(RESOURCE_LISTINGS.invoice, invoiceItem, '7', 5, base);
    assert.equal(invoice.uuid, 'snapshot:INVOICE:7:31d776a71a8a715dd0a9926a8d0c5d3d');
  });

  it('writes a body that parses to the whole envelope, with the adapted content, and hashes that body', () => {
    const base = new URL('https://acme.byappdirect.com');
    const item = { uuid: 'c "2"', name: 'Ünïcode \u2028 "quoted"', address: null };
    const d = snapshotDelivery(RESOURCE_LISTINGS.company, item, 'c "2"', 1_796_000_000_123, base);
    assert.deepEqual(JSON.parse(d.body.toString('utf8')), {
      uuid: d.uuid,
      timestamp: 1_796_000_000_123,
      resourceAction: 'ADDED',
      resource: {
        type: 'COMPANY',
        uuid: 'c "2"',
        url: 'https://acme.byappdirect.com/api/account/v1/companies/c%20%222%22?isExternalId=false',
        content: RESOURCE_LISTINGS.company.adapt(item),
      },
      origin: 'rest-snapshot',
    });
    assert.equal(d.bodySha256, createHash('sha256').update(d.body).digest('hex'));
  });
});
