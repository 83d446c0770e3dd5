import { strict as assert } from 'node:assert';
import { redactContent, type MapResult } from '../../../src/mapping';
import { compileYaml, envelope } from './mapping-fixtures';

const ORDER = `
resourceType: ORDER
entity: order
drop: [resource.content.paymentInstrument, "resource.content.orderLines[*].card"]
fields:
  id: { type: string, from: resource.content.id, required: true }
  status:
    type: enum
    from: resource.content.status
    required: true
    values: { ACTIVE: won, CANCELLED: lost }
  kind: { type: enum, from: resource.content.type, values: [NEW], unknown: passthrough }
  total: { type: decimal, from: resource.content.totalPrice }
  seats: { type: integer, from: resource.content.maxUsers, default: 1 }
  raw: { type: json, from: resource.content }
  lines:
    type: collection
    from: resource.content.orderLines
    fields:
      qty: { type: decimal, from: quantity, required: true }
      card: { type: json, expr: "card" }
`;

function ok(r: MapResult): Extract<MapResult, { ok: true }> {
  assert.ok(r.ok, `expected a record, got ${JSON.stringify(r)}`);
  return r;
}
function failed(r: MapResult): Extract<MapResult, { ok: false }>['errors'] {
  assert.ok(!r.ok, `expected errors, got ${JSON.stringify(r)}`);
  return r.errors;
}

describe('compiled mappings', () => {
  const content = {
    id: 987,
    status: 'ACTIVE',
    type: 'UPGRADE',
    totalPrice: '12345678901234567890.1234567890',
    paymentInstrument: { creditCard: { number: '4242424242424242' } },
    orderLines: [{ quantity: '2', card: { number: '4111' } }, { quantity: '1.50' }],
  };

  it('maps enums, keeps decimals exact, passes unlisted values through when told, applies defaults', async () => {
    const r = ok(await compileYaml(ORDER).map(envelope(content)));
    assert.equal(r.key, '987');
    assert.equal(r.data.id, '987');
    assert.equal(r.data.status, 'won');
    assert.equal(r.data.kind, 'UPGRADE');
    assert.equal(r.data.total, '12345678901234567890.123456789');
    assert.equal(r.data.seats, 1);
    assert.deepEqual(r.data.lines, [
      { qty: '2', card: null },
      { qty: '1.5', card: null },
    ]);
  });

  it('lists the keys of every mapped level in sorted order, whatever the file order, sync or async', async () => {
    // canonicalJson relies on it to serialize mapped data without building a sorted copy.
    const r = ok(await compileYaml(ORDER).map(envelope(content)));
    assert.deepEqual(Object.keys(r.data), ['id', 'kind', 'lines', 'raw', 'seats', 'status', 'total']);
    for (const line of r.data.lines as Record<string, unknown>[]) assert.deepEqual(Object.keys(line), ['card', 'qty']);

    const plain = compileYaml(`
resourceType: ORDER
entity: order
fields:
  zone: { type: string, from: resource.content.status }
  id: { type: string, from: resource.content.id }
  lines: { type: collection, from: resource.content.orderLines, fields: { qty: { type: decimal, from: quantity }, cost: { type: decimal, from: quantity } } }
`);
    assert.equal(plain.isAsync, false);
    const p = ok(await plain.map(envelope(content)));
    assert.deepEqual(Object.keys(p.data), ['id', 'lines', 'zone']);
    for (const line of p.data.lines as Record<string, unknown>[]) assert.deepEqual(Object.keys(line), ['cost', 'qty']);
  });

  it('never lets dropped paths into the output, even through a json field or an expression', async () => {
    const r = ok(await compileYaml(ORDER).map(envelope(content)));
    const text = JSON.stringify(r.data);
    assert.ok(!text.includes('4242424242424242'), text);
    assert.ok(!text.includes('4111'), text);
    assert.ok(!('paymentInstrument' in (r.data.raw as object)));
    assert.equal(content.paymentInstrument.creditCard.number, '4242424242424242', 'the delivery itself is not changed');
  });

  it('redactContent removes the dropped paths from raw content for storage', () => {
    const redacted = redactContent(compileYaml(ORDER), content) as typeof content;
    assert.equal('paymentInstrument' in redacted, false);
    assert.equal(JSON.stringify(redacted).includes('4111'), false);
    assert.equal(redacted.orderLines[1]?.quantity, '1.50');
  });

  it('names file, field, source path and delivery in every error, and reports all of them', async () => {
    const m = compileYaml(ORDER);
    const errors = failed(
      await m.map(envelope({ ...content, id: undefined, status: 'PAUSED', totalPrice: '1,5', orderLines: [{ quantity: 'x' }] })),
    );
    const byCode = (code: string) => errors.find((e) => e.code === code);
    // In field-name order at each level, as mappings run (the first one's code becomes the event's error code).
    assert.deepEqual(
      errors.map((e) => [e.code, e.field, e.path]),
      [
        ['MAPPING_REQUIRED_FIELD_MISSING', 'id', 'resource.content.id'],
        ['MAPPING_WRONG_TYPE', 'lines[0].qty', 'resource.content.orderLines[0].quantity'],
        ['MAPPING_UNKNOWN_ENUM_VALUE', 'status', 'resource.content.status'],
        ['MAPPING_WRONG_TYPE', 'total', 'resource.content.totalPrice'],
      ],
    );
    for (const e of errors) {
      assert.equal(e.file, m.file);
      assert.equal(e.deliveryUuid, 'delivery-1');
      assert.ok(e.message.includes(m.file) && e.message.includes('delivery-1') && e.message.includes(e.field), e.message);
    }
    assert.match(byCode('MAPPING_UNKNOWN_ENUM_VALUE')?.message ?? '', /"PAUSED" is not one of ACTIVE, CANCELLED/);
  });

  it('an expression that yields nothing is a missing required field, not an empty one', async () => {
    const m = compileYaml(`
resourceType: X
entity: x
fields:
  name: { type: string, expr: "resource.content.first & ' ' & resource.content.last" }
  code: { type: string, expr: "resource.content.nothing.here", required: true }
`);
    assert.equal(m.isAsync, true);
    const errors = failed(await m.map(envelope({ first: 'Ada', last: 'Lovelace' })));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'MAPPING_REQUIRED_FIELD_MISSING');
    assert.equal(errors[0]?.field, 'code');
    assert.match(errors[0]?.path ?? '', /resource\.content\.nothing\.here/);
    assert.match(errors[0]?.message ?? '', /expression yielded nothing/);
    const r = ok(await m.map(envelope({ first: 'Ada', last: 'Lovelace', nothing: { here: 'X1' } })));
    assert.deepEqual(r.data, { name: 'Ada Lovelace', code: 'X1' });
  });

  it('an expression that throws is reported with its field', async () => {
    const m = compileYaml(`
resourceType: X
entity: x
fields:
  n: { type: integer, expr: "$number(resource.content.v)" }
`);
    const errors = failed(await m.map(envelope({ v: 'abc' })));
    assert.equal(errors[0]?.code, 'MAPPING_EXPRESSION_FAILED');
    assert.equal(errors[0]?.field, 'n');
  });

  it('a mapping of plain paths returns synchronously', () => {
    const m = compileYaml(`
resourceType: X
entity: x
fields:
  id: { type: string, from: resource.content.id }
`);
    assert.equal(m.isAsync, false);
    const r = m.map(envelope({ id: 5 }));
    assert.ok(!(r instanceof Promise));
    assert.deepEqual(ok(r).data, { id: '5' });
  });

  it('REMOVED without content: keyOf works, map reports MAPPING_CONTENT_ABSENT', async () => {
    const m = compileYaml(ORDER);
    assert.equal(m.keyOf(envelope(undefined)), '987');
    const errors = failed(await m.map(envelope(undefined)));
    assert.deepEqual(
      errors.map((e) => e.code),
      ['MAPPING_CONTENT_ABSENT'],
    );
    assert.throws(() => m.keyOf({ resource: {} }), /MAPPING_KEY_MISSING|key path resource.uuid/);
  });

  it('describes its fields for SQL views, collections with their item fields', () => {
    const m = compileYaml(ORDER);
    assert.deepEqual(
      m.fields.find((f) => f.name === 'lines'),
      {
        name: 'lines',
        type: 'collection',
        required: false,
        fields: [
          { name: 'qty', type: 'decimal', required: true },
          { name: 'card', type: 'json', required: false },
        ],
      },
    );
  });

  it('the version is a hash of the file: it changes when the file changes and stamps every record', async () => {
    const a = compileYaml(ORDER);
    const b = compileYaml(ORDER.replace('default: 1', 'default: 2'));
    assert.equal(compileYaml(ORDER).version, a.version);
    assert.notEqual(a.version, b.version);
    assert.match(a.version, /^[0-9a-f]{16}$/);
    assert.equal(ok(await b.map(envelope(content))).mappingVersion, b.version);
  });
});
