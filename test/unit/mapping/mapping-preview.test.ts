import assert from 'node:assert/strict';
import { AppError } from '../../../src/core/app-error';
import { previewMapping, type CompiledMapping } from '../../../src/mapping';

/** A compiled mapping whose `map` does what the test says (the real ones are covered by mappings-command tests). */
function mapping(map: CompiledMapping['map']): CompiledMapping {
  return {
    file: 'mappings/widget.yaml',
    resourceTypes: ['WIDGET'],
    entity: 'widget',
    version: 'v1',
    provisional: false,
    fields: [],
    drop: [],
    isAsync: false,
    links: [],
    matchedPaths: () => ({}),
    keyOf: (d) => String((d as { resource: { uuid: string } }).resource.uuid),
    map,
  };
}
const delivery = { uuid: 'd', timestamp: 1, resourceAction: 'ADDED', resource: { type: 'WIDGET', uuid: 'w-1', content: {} } };

describe('previewMapping', () => {
  it('never throws for the delivery: a mapping that throws is an issue with a catalogued code and its file', async () => {
    const plain = await previewMapping(
      () =>
        mapping(() => {
          throw new TypeError('boom');
        }),
      delivery,
    );
    assert.deepEqual(plain, {
      ok: false,
      mapping: 'mappings/widget.yaml',
      entity: 'widget',
      key: 'w-1',
      errors: [{ code: 'WORKER_MAPPING_ERROR', message: 'boom', file: 'mappings/widget.yaml', field: '', path: '' }],
    });
    const coded = await previewMapping(
      () => mapping(() => Promise.reject(new AppError('MAPPING_EXPRESSION_FAILED', 'bad expression'))),
      delivery,
    );
    assert.equal(coded.ok === false && coded.errors[0]?.code, 'MAPPING_EXPRESSION_FAILED');
  });

  it('answers MAPPING_NOT_FOUND for a type no mapping handles, and for a delivery that is not an object', async () => {
    for (const d of [delivery, null, [], { resource: { type: 7 } }]) {
      const p = await previewMapping(() => undefined, d);
      assert.equal(p.ok, false);
      assert.deepEqual(p.ok === false && p.errors.map((e) => [e.code, e.path]), [['MAPPING_NOT_FOUND', 'resource.type']]);
    }
  });
});
