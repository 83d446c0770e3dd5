import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseEnvelope } from '../../../src/receiver/envelope';
import { webhookEnvelope } from '../../../src/receiver/webhook-schemas';

/** Does the receiver's own check take it? */
function receiverAccepts(body: unknown): boolean {
  try {
    parseEnvelope(body);
    return true;
  } catch {
    return false;
  }
}

/** Strings near every boundary of the check: blank, control characters, lone surrogates, lengths around the limits. */
const text = fc.oneof(
  fc.constantFrom('', ' ', '\t', 'a', 'ORDER', 'a\u0000b', 'x\u0085', '\ud800', '\udc00x', '😀', 'ü'),
  fc.string({ maxLength: 8 }),
  fc.nat({ max: 300 }).map((n) => 'x'.repeat(n)),
);
const anyValue = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });

/** A valid delivery with exactly one field replaced by anything (or removed), the way the receiver's tests break one thing. */
const FIELDS = ['uuid', 'timestamp', 'resourceAction', 'resource', 'resource.type', 'resource.uuid', 'resource.content'] as const;
const envelopeLike = fc
  .tuple(fc.constantFrom(...FIELDS), maybe(fc.oneof(text, anyValue, fc.constantFrom('ADDED', 'REMOVED', 'added'), fc.constant(Infinity))))
  .map(([field, value]) => {
    const body: Record<string, unknown> = { uuid: 'd-1', timestamp: 1, resourceAction: 'ADDED', extra: [1] };
    const resource: Record<string, unknown> = { type: 'ORDER', uuid: 'r-1', content: { a: 1 } };
    body.resource = resource;
    const [top, inner] = field.split('.') as [string, string | undefined];
    const target = inner ? resource : body;
    const key = inner ?? top;
    if (value === undefined) delete target[key];
    else target[key] = value;
    return body;
  });

// The OpenAPI document describes the envelope with a zod schema; the receiver checks it by hand on the hot path.
// Both must give the same verdict, or the document promises what the receiver refuses (or the other way round).
describe('webhook envelope: the documented schema and the receiver agree', () => {
  it('accept and refuse the same bodies', () => {
    fc.assert(
      fc.property(fc.oneof(envelopeLike, anyValue), (body) => {
        const clean = JSON.parse(JSON.stringify(body ?? null)) as unknown; // what JSON.parse of a request gives
        assert.equal(webhookEnvelope.safeParse(clean).success, receiverAccepts(clean), JSON.stringify(clean));
      }),
      { numRuns: 3000 },
    );
  });

  it('a valid AppDirect delivery passes both', () => {
    const body = { uuid: 'd-1', timestamp: 1, resourceAction: 'ADDED', resource: { type: 'ORDER', uuid: 123, content: { a: 1 } }, x: 1 };
    assert.ok(receiverAccepts(body));
    assert.ok(webhookEnvelope.safeParse(body).success);
  });
});
