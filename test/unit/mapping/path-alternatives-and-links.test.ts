import { strict as assert } from 'node:assert';
import type { MapResult } from '../../../src/mapping';
import { loadMappingFile } from '../../../src/mapping/load-mappings';
import { compilePath, PATH_PATTERN } from '../../../src/mapping/path-reader';
import { compileYaml, envelope, tempMappingsDir } from './mapping-fixtures';

const MAPPING = `
resourceType: ORDER
entity: order
drop: [resource.content.secret]
fields:
  name:   { type: string, from: [resource.content.customer.contact.firstName, resource.content.contact.firstName] }
  total:  { type: decimal, from: [resource.content.total, resource.content.totalPrice] }
  subscriptionId: { type: string, href: "resource.content.links[rel=subscription].href" }
  costs:
    type: collection
    from: [resource.content.costs, resource.content.cost]
    default: []
    fields:
      price: { type: decimal, from: "amount[$resource.content.currency]" }
links:
  company:
    entity: company
    href: resource.content.company.href
    from: resource.content.company.id
    match: externalId
  subscription:
    entity: subscription
    href: "resource.content.links[rel=subscription].href"
`;

function ok(r: MapResult | Promise<MapResult>): Extract<MapResult, { ok: true }> {
  assert.ok(!(r instanceof Promise), 'a mapping of plain paths maps synchronously');
  assert.ok(r.ok, `expected a record, got ${JSON.stringify(r)}`);
  return r;
}

describe('from: [a, b], href:, path selectors and links', () => {
  const mapping = compileYaml(MAPPING);

  it('takes the first path that holds a value, skipping absent and null ones, still without JSONata', () => {
    assert.equal(mapping.isAsync, false);
    const r = ok(mapping.map(envelope({ customer: { contact: { firstName: null } }, contact: { firstName: 'Dana' }, totalPrice: '5' })));
    assert.deepEqual([r.data.name, r.data.total], ['Dana', '5']);
    const first = ok(mapping.map(envelope({ customer: { contact: { firstName: 'Jonas' } }, contact: { firstName: 'Dana' } })));
    assert.equal(first.data.name, 'Jonas');
  });

  it('reports a wrong type at the path that matched', () => {
    const r = mapping.map(envelope({ totalPrice: 'lots' })) as MapResult;
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.field, e.path]),
      [['MAPPING_WRONG_TYPE', 'total', 'resource.content.totalPrice']],
    );
  });

  it('picks a list item by one of its values and keeps an href last segment, query and all stripped', () => {
    const links = [
      { rel: 'self', href: 'https://x/api/billing/v1/orders/1' },
      { rel: 'subscription', href: 'https://x/api/billing/v1/subscriptions/sub-1?foo=bar#x' },
    ];
    const r = ok(mapping.map(envelope({ links })));
    assert.equal(r.data.subscriptionId, 'sub-1');
    assert.deepEqual(r.links.subscription, { entity: 'subscription', key: 'sub-1' });
    const none = ok(mapping.map(envelope({ links: [links[0]] })));
    assert.equal(none.data.subscriptionId, null);
    assert.equal('subscription' in none.links, false);
  });

  it('reads a map key from another path of the delivery: the price in the order currency', () => {
    const r = ok(mapping.map(envelope({ currency: 'EUR', cost: [{ amount: { USD: 10, EUR: 9.5 } }] })));
    assert.deepEqual(r.data.costs, [{ price: '9.5' }]);
    const noCurrency = ok(mapping.map(envelope({ costs: [{ amount: { USD: 10 } }] })));
    assert.deepEqual(noCurrency.data.costs, [{ price: null }]);
    const proto = ok(mapping.map(envelope({ currency: '__proto__', costs: [{ amount: {} }] })));
    assert.deepEqual(proto.data.costs, [{ price: null }], 'a key read from the delivery never reaches the prototype');
  });

  it('links by href first (the uuid); by id with the match field when there is no href', () => {
    const both = ok(mapping.map(envelope({ company: { id: 'EXT-1', href: 'https://x/api/account/v1/companies/uuid-1' } })));
    assert.deepEqual(both.links.company, { entity: 'company', key: 'uuid-1' });
    const idOnly = ok(mapping.map(envelope({ company: { id: 42 } })));
    assert.deepEqual(idOnly.links.company, { entity: 'company', key: '42', match: 'externalId' });
    const none = ok(mapping.map(envelope({})));
    assert.deepEqual(none.links, {});
    assert.deepEqual(mapping.links, [
      { name: 'company', entity: 'company' },
      { name: 'subscription', entity: 'subscription' },
    ]);
  });

  it('links by a field of the record last, for a key only an expression reads (a segment inside resource.url)', async () => {
    const byField = compileYaml(`
resourceType: MEMBERSHIP
entity: membership
fields:
  companyUuid: { type: string, expr: '$split(resource.url, "/")[-3]' }
links:
  company: { entity: company, from: resource.content.company.uuid, field: companyUuid }
`);
    const url = 'https://x/api/account/v1/companies/c-1/users/u-1';
    const fromField = await byField.map(envelope({}, { resource: { type: 'MEMBERSHIP', uuid: 'u-1', url, content: {} } }));
    assert.ok(fromField.ok, JSON.stringify(fromField));
    assert.deepEqual(fromField.links.company, { entity: 'company', key: 'c-1' });
    const fromPath = await byField.map(
      envelope({}, { resource: { type: 'MEMBERSHIP', uuid: 'u-1', url, content: { company: { uuid: 'c-2' } } } }),
    );
    assert.ok(fromPath.ok);
    assert.deepEqual(fromPath.links.company, { entity: 'company', key: 'c-2' }, 'a path that holds a value wins over the field');
  });

  it('refuses a link key that is not an id, naming the link', () => {
    const r = mapping.map(envelope({ company: { id: { nested: 1 } } })) as MapResult;
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.field]),
      [['MAPPING_WRONG_TYPE', '$links.company']],
    );
  });

  it('says which path each field matched, for mappings preview', () => {
    const paths = mapping.matchedPaths(envelope({ contact: { firstName: 'Dana' }, total: 3 }));
    assert.equal(paths.name, 'resource.content.contact.firstName');
    assert.equal(paths.total, 'resource.content.total');
    assert.equal(paths.subscriptionId, null);
  });
});

describe('path syntax', () => {
  it('accepts selectors and key paths, and refuses what is not a path', () => {
    for (const p of ['a.b[0].c', 'links[rel=subscription].href', 'amount[$resource.content.currency]', 'a[x=1.5]']) {
      assert.match(p, PATH_PATTERN);
    }
    for (const p of ['a..b', 'a[rel=]', 'a[$]', 'a[rel=x y]', '.a']) assert.doesNotMatch(p, PATH_PATTERN);
  });

  it('a selector compares numbers as text and finds nothing in a non-list', () => {
    const read = compilePath('items[id=7].name');
    assert.equal(
      read({
        items: [
          { id: 6, name: 'a' },
          { id: 7, name: 'b' },
        ],
      }),
      'b',
    );
    assert.equal(read({ items: { id: 7, name: 'b' } }), undefined);
  });

  it('refuses links and paths that reach the prototype or have no source, with a line', () => {
    const tmp = tempMappingsDir();
    try {
      const loaded = loadMappingFile(
        tmp.write(
          'bad.yaml',
          `resourceType: ORDER
entity: order
fields:
  id: { type: string, from: "resource.content[constructor=x].id" }
links:
  company: { entity: company }
  user: { entity: user, href: resource.content.user.href, match: externalId }
  edition: { entity: edition, field: editionId }
`,
        ),
      );
      assert.equal(loaded.mapping, undefined);
      const messages = loaded.problems.map((p) => `${p.line}: ${p.message}`);
      assert.ok(
        messages.some((m) => /^4: fields.id.from: .*reaches into the object prototype/.test(m)),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((m) => /^6: links.company: link company needs href, from or field/.test(m)),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((m) => /link user has match but no from path/.test(m)),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((m) => /link edition names field editionId, which the mapping does not declare/.test(m)),
        messages.join('\n'),
      );
    } finally {
      tmp.remove();
    }
  });
});
