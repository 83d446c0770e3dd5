import { strict as assert } from 'node:assert';
import { collectMappingTests, runMappingTest } from '../src/mapping';
import { formatProblem } from '../src/mapping/load-mappings';

// The test cases of the shipped mapping files (mappings/*.tests.yaml and `tests:` keys), one `it` per case, so a
// wrong mapping fails `npm test` exactly as it fails `appdirect-sync mappings test`.
const { cases, problems } = collectMappingTests('mappings');

describe('mapping files (mappings/)', () => {
  it('all load without problems', () => {
    assert.deepEqual(problems.map(formatProblem), []);
  });

  it('every shipped mapping has test cases', () => {
    const tested = new Set(cases.map((c) => c.mapping.entity));
    assert.deepEqual([...tested].sort(), ['catalog_product', 'company', 'invoice', 'lead', 'membership', 'order', 'subscription', 'user']);
  });

  for (const c of cases) {
    it(`${c.file}: ${c.name}`, async () => {
      const result = await runMappingTest(c);
      assert.ok(result.passed, result.failure);
    });
  }
});
