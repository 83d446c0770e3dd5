import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  isoOfEpochMs,
  toBoolean,
  toDate,
  toDatetime,
  toDecimal,
  toInteger,
  toText,
  ValueRejected,
} from '../../../src/mapping/value-normalizers';

const rejects = (fn: () => unknown, code = 'MAPPING_WRONG_TYPE') =>
  assert.throws(fn, (err: unknown) => err instanceof ValueRejected && err.code === code);

describe('value normalizers', () => {
  describe('datetime', () => {
    it('turns epoch milliseconds into ISO-8601 UTC', () => {
      assert.equal(toDatetime(1487230205455), '2017-02-16T07:30:05.455Z');
      assert.equal(toDatetime('1487230205455'), '2017-02-16T07:30:05.455Z');
    });
    it('turns any offset into UTC', () => {
      assert.equal(toDatetime('2015-08-27T00:00:00-06:00'), '2015-08-27T06:00:00.000Z');
      assert.equal(toDatetime('2015-08-27T05:30:00+05:30'), '2015-08-27T00:00:00.000Z');
      assert.equal(toDatetime('2015-08-27T00:00:00+0100'), '2015-08-26T23:00:00.000Z');
      assert.equal(toDatetime('2015-08-27T00:00:00Z'), '2015-08-27T00:00:00.000Z');
      assert.equal(toDatetime('2015-12-31T23:59:59.1234-02:00'), '2016-01-01T01:59:59.123Z');
    });
    it('refuses a local time without offset, impossible dates and non-dates', () => {
      rejects(() => toDatetime('2015-08-27T00:00:00'));
      rejects(() => toDatetime('2015-02-30T00:00:00Z'));
      rejects(() => toDatetime('yesterday'));
      rejects(() => toDatetime(true));
      rejects(() => toDatetime(1.5));
    });
  });

  describe('date', () => {
    it('keeps dates, takes the written date of a datetime and the UTC date of epoch ms', () => {
      assert.equal(toDate('2026-11-01'), '2026-11-01');
      assert.equal(toDate('2026-11-01T23:00:00-05:00'), '2026-11-01');
      assert.equal(toDate(1796169600000), '2026-12-02');
    });
    it('refuses impossible dates', () => {
      rejects(() => toDate('2026-02-29'));
      rejects(() => toDate('2026-13-01'));
    });
  });

  describe('decimal', () => {
    it('keeps decimals exact as canonical strings', () => {
      assert.equal(toDecimal('0.0000000000'), '0');
      assert.equal(toDecimal('12345678901234567890.1234567890'), '12345678901234567890.123456789');
      assert.equal(toDecimal('0.1000000000000000000000000001'), '0.1000000000000000000000000001');
      assert.equal(toDecimal('-0.000'), '0');
      assert.equal(toDecimal('-012.50'), '-12.5');
      assert.equal(toDecimal('+7'), '7');
      assert.equal(toDecimal(12.5), '12.5');
    });
    it('refuses what is not a plain decimal', () => {
      for (const bad of ['12,50', '1e3', 'NaN', '', '.', '1.2.3', ' ', '$5']) rejects(() => toDecimal(bad));
      rejects(() => toDecimal(1e21));
      rejects(() => toDecimal(null as unknown));
      rejects(() => toDecimal({}));
    });
  });

  describe('integer', () => {
    it('accepts integers and integer strings (maxUsers "1")', () => {
      assert.equal(toInteger('1'), 1);
      assert.equal(toInteger(5), 5);
      assert.equal(toInteger('-3'), -3);
    });
    it('refuses fractions, unsafe sizes and text', () => {
      rejects(() => toInteger('1.5'));
      rejects(() => toInteger(1.5));
      rejects(() => toInteger('99999999999999999999'));
      rejects(() => toInteger('one'));
    });
  });

  it('string: numeric ids become strings, objects are refused', () => {
    assert.equal(toText(123456789), '123456789');
    assert.equal(toText('abc'), 'abc');
    rejects(() => toText({ id: 1 }));
    rejects(() => toText(false));
  });

  it('boolean: true/false and their strings only', () => {
    assert.equal(toBoolean('false'), false);
    assert.equal(toBoolean('TRUE'), true);
    assert.equal(toBoolean(true), true);
    rejects(() => toBoolean('yes'));
    rejects(() => toBoolean(1));
  });
});

describe('isoOfEpochMs', () => {
  it('agrees with Date#toISOString from 1970 to 9999, edges included', () => {
    for (const ms of [0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000, 4_107_542_400_000, 253_402_300_799_999]) {
      assert.equal(isoOfEpochMs(ms), new Date(ms).toISOString());
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => isoOfEpochMs(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
  });
});
