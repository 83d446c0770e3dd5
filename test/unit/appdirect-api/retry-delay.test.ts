import { strict as assert } from 'node:assert';
import { MAX_RETRY_AFTER_MS, retryAfterMs, retryDelayMs } from '../../../src/appdirect-api/retry-delay';

describe('retryDelayMs (backoff with jitter, Retry-After honoured)', () => {
  const s = { backoffBaseMs: 100, backoffMaxMs: 1000 };

  it('doubles per attempt up to the cap, with jitter between half and all of it', () => {
    assert.equal(
      retryDelayMs(1, undefined, s, () => 0),
      50,
    );
    assert.equal(
      retryDelayMs(1, undefined, s, () => 1),
      100,
    );
    assert.equal(
      retryDelayMs(3, undefined, s, () => 1),
      400,
    );
    assert.equal(
      retryDelayMs(10, undefined, s, () => 1),
      1000,
    );
  });

  it('waits at least what Retry-After asks, in seconds or as an HTTP date, up to 15 minutes', () => {
    assert.equal(
      retryDelayMs(1, '3', s, () => 0),
      3000,
    );
    assert.equal(
      retryDelayMs(1, '99999', s, () => 0),
      MAX_RETRY_AFTER_MS,
    );
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});
