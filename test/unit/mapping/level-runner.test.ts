import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileFields, inNameOrder } from '../../../src/mapping/field-plan';
import { compileLevel } from '../../../src/mapping/level-runner';
import { mappingFileSchema } from '../../../src/mapping/mapping-schema';
import { runFieldsSync, type RunContext } from '../../../src/mapping/run-field-plans';

const MAPPINGS = join(__dirname, '..', '..', '..', 'mappings');

/** The generated level must do exactly what the generic loop does: same data, same issues, same key order. */
describe('compiled levels agree with the generic loop', () => {
  for (const name of ['company', 'invoice', 'lead', 'order', 'subscription']) {
    it(`${name}.yaml on every fixture, and on fixtures with wrong types`, () => {
      const def = mappingFileSchema.parse(parse(readFileSync(join(MAPPINGS, `${name}.yaml`), 'utf8')));
      const plans = inNameOrder(compileFields(def.fields, ['fields'], [], []));
      const generic = inNameOrder(compileFields(def.fields, ['fields'], [], []));
      const level = compileLevel(plans);
      const folder = join(MAPPINGS, 'fixtures', name);
      const bodies = readdirSync(folder)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as Record<string, any>);
      // Break every value of the content in turn: each breaks a different field (or none).
      const broken = bodies.flatMap((b) =>
        Object.keys(b.resource?.content ?? {}).map((k) => {
          const copy = structuredClone(b);
          copy.resource.content[k] = { not: 'a scalar' };
          return copy;
        }),
      );
      for (const body of [...bodies, ...broken]) {
        const ctx = (): RunContext => ({ file: 'f', deliveryUuid: 'd', root: body, errors: [] });
        const a = ctx();
        const b = ctx();
        const fast = level(body, a, '', '');
        const slow = runFieldsSync(generic, body, b, '', '');
        assert.deepEqual(Object.keys(fast), Object.keys(slow));
        assert.deepEqual(fast, slow);
        assert.deepEqual(a.errors, b.errors);
      }
    });
  }
});
