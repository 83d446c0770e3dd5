import assert from 'node:assert/strict';
import { eventListQuery } from '../../../src/admin/admin-schemas';
import { ackBody, changesQuery, rewindBody } from '../../../src/feed/feed-schemas';
import { parseInput } from '../../../src/http/parse-input';
import { recordListQuery } from '../../../src/records/records-schemas';

/** The AppError parseInput throws, as { code, message }. */
function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('parseInput: the routes parse with the schemas the OpenAPI document describes', () => {
  it('reads a feed query: integers in bounds, entity lists comma-separated or repeated', () => {
    const q = parseInput(changesQuery, { after: '17', limit: '5', wait: '60', entity: ['company,order', ' invoice '] }, 'query');
    assert.deepEqual(q, { after: '17', limit: 5, wait: 60, entity: ['company', 'order', 'invoice'] });
  });

  it('takes an empty query parameter as absent (?after=&limit= as a copied example sends it)', () => {
    assert.deepEqual(parseInput(changesQuery, { after: '', limit: '', entity: '', wait: '' }, 'query'), {});
    assert.deepEqual(parseInput(recordListQuery, { updated_since: '', limit: '' }, 'query'), {});
  });

  it('answers 400 API_BAD_REQUEST naming the parameter and what is wrong with it', () => {
    for (const [query, text] of [
      [{ limit: '0' }, /query parameter limit: must be an integer from 1 to 1000/],
      [{ limit: '+5' }, /query parameter limit: must be an integer/],
      [{ wait: '61' }, /query parameter wait: must be an integer from 0 to 60/],
      [{ after: 'abc' }, /query parameter after: must be a cursor returned by this API/],
      [{ entity: 'a\u0000b' }, /query parameter entity\.0: values must not contain control characters/],
      [{ entity: Array.from({ length: 101 }, (_, i) => `e${i}`).join(',') }, /query parameter entity: takes at most 100 values/],
    ] as const) {
      const e = refusal(() => parseInput(changesQuery, query, 'query'));
      assert.equal(e.code, 'API_BAD_REQUEST');
      assert.match(e.message, text);
    }
    assert.match(
      refusal(() => parseInput(recordListQuery, { updated_since: 'yesterday' }, 'query')).message,
      /updated_since: must be an ISO-8601 time/,
    );
    assert.match(refusal(() => parseInput(recordListQuery, { deleted: 'maybe' }, 'query')).message, /deleted: must be true or false/);
    assert.match(
      refusal(() => parseInput(eventListQuery, { colour: 'red' }, 'query')).message,
      /query parameter colour: unknown query parameter/,
    );
  });

  it('reads ack and rewind bodies; a body that is neither shape is named as the body', () => {
    assert.deepEqual(parseInput(ackBody, { cursor: '12' }, 'body'), { cursor: 12 });
    assert.deepEqual(parseInput(ackBody, { cursor: 12 }, 'body'), { cursor: 12 });
    assert.deepEqual(parseInput(rewindBody, { time: '2026-11-27T10:00:00Z', cursor: '3' }, 'body'), {
      time: new Date('2026-11-27T10:00:00Z'),
    });
    assert.match(refusal(() => parseInput(ackBody, {}, 'body')).message, /^body parameter cursor: must be a cursor/);
    assert.match(refusal(() => parseInput(rewindBody, {}, 'body')).message, /^body: give \{"cursor"/);
  });
});
