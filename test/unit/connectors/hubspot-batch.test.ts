import assert from 'node:assert/strict';
import { splitUpsertAnswer, toProperties, type UpsertInput } from '../../../src/connectors/hubspot-batch';

const input = (id: string): UpsertInput => ({ id, idProperty: 'appdirect_id', properties: { name: id } });
const result = (id: string, hubspotId: string) => ({ id: hubspotId, properties: { appdirect_id: id } });

// The per-input reading of a HubSpot batch upsert answer (ADR 0035): what is taken, what is refused and why.
describe('splitUpsertAnswer', () => {
  it('takes the inputs in results and refuses the ones an error names in context.ids', () => {
    const { taken, refused } = splitUpsertAnswer(
      [input('a'), input('b'), input('c')],
      'appdirect_id',
      [result('a', '1'), result('c', '3')],
      [{ category: 'VALIDATION_ERROR', message: 'Property values were not valid', context: { ids: ['b'] } }],
    );
    assert.deepEqual(
      [...taken],
      [
        ['a', '1'],
        ['c', '3'],
      ],
    );
    assert.deepEqual([...refused], [['b', 'VALIDATION_ERROR: Property values were not valid']]);
  });

  it('names an input by its id as a whole word of the message when the error has no context, not by a prefix', () => {
    const { refused } = splitUpsertAnswer(
      [input('c-1'), input('c-10')],
      'appdirect_id',
      [result('c-1', '1')],
      [{ message: 'Invalid email for object with appdirect_id c-10.' }],
    );
    assert.deepEqual([...refused], [['c-10', 'Invalid email for object with appdirect_id c-10.']]);
  });

  it('refuses an input that is neither taken nor named with the errors no input claims', () => {
    const { taken, refused } = splitUpsertAnswer(
      [input('a'), input('b')],
      'appdirect_id',
      [result('a', '1')],
      [{ category: 'RATE_LIMIT', message: 'something went wrong' }],
    );
    assert.equal(taken.size, 1);
    assert.deepEqual([...refused], [['b', 'RATE_LIMIT: something went wrong']]);
  });

  it('refuses an input HubSpot says nothing about', () => {
    const { refused } = splitUpsertAnswer([input('a')], 'appdirect_id', [], []);
    assert.match(refused.get('a') ?? '', /neither a result nor an error/);
  });
});

describe('toProperties', () => {
  it('sends strings, numbers and booleans as text, objects as JSON, leaves out nulls and the omitted fields', () => {
    assert.deepEqual(toProperties({ a: 'x', n: 2, b: false, o: { k: 1 }, z: null, u: undefined, link: 'c1' }, new Set(['link'])), {
      a: 'x',
      n: '2',
      b: 'false',
      o: '{"k":1}',
    });
  });
});
