import assert from 'node:assert/strict';
import { jsonDepthExceeds, MAX_JSON_DEPTH, showJson, stringifyBounded } from '../../../src/core/json-bounds';
import { diffJson, formatDiff, NOT_COMPARED, NOT_SHOWN } from '../../../src/mapping/json-diff';

/** `depth` objects (or arrays) nested, as JSON.parse makes them from a hostile body. */
function nested(depth: number, list = false): unknown {
  return JSON.parse(list ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

describe('bounded JSON walks', () => {
  it('measures depth iteratively: exactly the bound passes, one more does not, 200,000 does not overflow', () => {
    assert.equal(jsonDepthExceeds(nested(MAX_JSON_DEPTH)), false);
    assert.equal(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1)), true);
    assert.equal(jsonDepthExceeds(nested(200_000)), true);
    assert.equal(jsonDepthExceeds(nested(200_000, true)), true);
    assert.equal(jsonDepthExceeds({ wide: Array.from({ length: 10_000 }, (_, i) => ({ i })) }), false);
    assert.equal(jsonDepthExceeds('text'), false);
  });

  it('stringifies with a catalogued error, and shows a note, instead of a RangeError', () => {
    assert.throws(() => stringifyBounded(nested(200_000), 'resource.content'), {
      code: 'WORKER_PAYLOAD_TOO_DEEP',
      message: /resource\.content/,
    });
    assert.equal(stringifyBounded({ a: [1] }), '{"a":[1]}');
    assert.match(showJson(nested(200_000), 2), /nested deeper than 1000 levels/);
  });

  it('diffs 200,000-deep values without overflowing: the path past the bound once, as not compared', () => {
    const entries = diffJson(nested(200_000), nested(200_000));
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0], { path: `a${'.a'.repeat(MAX_JSON_DEPTH - 1)}`, expected: NOT_COMPARED, actual: NOT_COMPARED });
    assert.match(formatDiff(entries), /not compared/);
    const lists = diffJson(nested(200_000, true), nested(200_000, true));
    assert.equal(lists[0]?.expected, NOT_COMPARED);
  });

  it('diffs a deep object against a scalar with the object named, not printed', () => {
    const entries = diffJson({ x: nested(200_000) }, { x: 1 });
    assert.deepEqual(entries, [{ path: 'x', expected: NOT_SHOWN, actual: 1 }]);
    assert.match(formatDiff(entries), /not shown/);
    assert.doesNotThrow(() => JSON.stringify(entries));
    assert.deepEqual(diffJson({ a: { b: 1 } }, { a: { b: 2 } }), [{ path: 'a.b', expected: 1, actual: 2 }]);
  });
});
