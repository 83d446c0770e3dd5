import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from '../../../src/records/canonical-json';

/** The definition: a sorted copy at every depth, then JSON.stringify. canonicalJson skips the copy when it can. */
function byDefinition(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object' || v instanceof Date) return v;
    const out = Object.create(null) as Record<string, unknown>; // a `__proto__` key is data, not the prototype
    for (const k of Object.keys(v).sort())
      if ((v as Record<string, unknown>)[k] !== undefined) out[k] = sort((v as Record<string, unknown>)[k]);
    return out;
  };
  return JSON.stringify(sort(value));
}

describe('canonicalJson', () => {
  it('gives the text of a sorted copy for any JSON value, keys in order or not', () => {
    const keys = fc.constantFrom('a', 'b', 'Z', '_', '1', '10', '9', 'a1', 'aa', '');
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('object'), fc.array(tie('node'), { maxLength: 3 })),
      object: fc.dictionary(keys, fc.oneof(tie('node'), fc.constant(undefined)), { maxKeys: 5 }),
    })).node;
    fc.assert(
      fc.property(value, (v) => assert.equal(canonicalJson(v), byDefinition(v))),
      { numRuns: 2000 },
    );
  });

  it('keeps a __proto__ key of parsed input as data, in whatever order the keys came', () => {
    for (const text of ['{"__proto__":{"x":1},"a":2}', '{"a":2,"__proto__":{"x":1}}', '{"b":1,"__proto__":false}']) {
      const parsed: unknown = JSON.parse(text);
      assert.match(canonicalJson(parsed), /"__proto__":/);
      assert.equal(canonicalJson(parsed), canonicalJson(JSON.parse(canonicalJson(parsed))));
    }
    assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":false}')), '{"__proto__":false,"b":1}');
  });

  it('sorts nested keys and drops undefined, so equal data compares equal as text', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: undefined } }), '{"a":{"d":[{"x":2,"y":1}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
    assert.equal(canonicalJson({ when: new Date(0) }), '{"when":"1970-01-01T00:00:00.000Z"}');
  });

  it('serializes 1,000 levels and refuses 1,001 with WORKER_PAYLOAD_TOO_DEEP instead of overflowing the stack', () => {
    const nest = (depth: number, keysInOrder: boolean): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = keysInOrder ? { a: v } : { b: 0, a: v };
      return v;
    };
    assert.equal(canonicalJson(nest(1000, true)).length, 1000 * 6 + 1);
    for (const sorted of [true, false]) {
      for (const depth of [1001, 200_000]) {
        assert.throws(() => canonicalJson(nest(depth, sorted)), { code: 'WORKER_PAYLOAD_TOO_DEEP' });
      }
    }
    let list: unknown = [];
    for (let i = 0; i < 200_000; i++) list = [list];
    assert.throws(() => canonicalJson(list), { code: 'WORKER_PAYLOAD_TOO_DEEP' });
  });
});
