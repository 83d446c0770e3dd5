import assert from 'node:assert/strict';
import { exceedsJsonDepth } from '../../../src/receiver/json-depth';

const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

describe('exceedsJsonDepth', () => {
  it('counts nesting of arrays and objects against the limit', () => {
    assert.equal(exceedsJsonDepth(deep(64), 64), false);
    assert.equal(exceedsJsonDepth(deep(65), 64), true);
    assert.equal(exceedsJsonDepth(Buffer.from('{"a":{"b":[1,{"c":[]}]}}'), 5), false);
    assert.equal(exceedsJsonDepth(Buffer.from('{"a":{"b":[1,{"c":[]}]}}'), 4), true);
  });

  it('ignores brackets inside strings, escaped quotes and backslashes included', () => {
    const inString = JSON.stringify({ s: '[[[[[[[[{{{{{{{{', t: 'a\\"[[[[[[[[[[', u: '\\\\', v: '"[[[[[[[[[[[[' });
    assert.equal(exceedsJsonDepth(Buffer.from(inString), 2), false);
    // After a string ending in an escaped backslash, brackets count again.
    assert.equal(exceedsJsonDepth(Buffer.from('{"u":"\\\\","v":[[[1]]]}'), 3), true);
  });

  it('scans 200,000 levels without recursion, in milliseconds', () => {
    const started = Date.now();
    assert.equal(exceedsJsonDepth(deep(200_000), 64), true);
    assert.equal(exceedsJsonDepth(Buffer.from(JSON.stringify({ s: 'x'.repeat(1_000_000) })), 64), false);
    assert.ok(Date.now() - started < 500);
  });
});
