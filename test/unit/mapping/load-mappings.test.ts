import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMappings } from '../../../src/mapping';
import { mappingJsonSchemas } from '../../../src/mapping/mapping-schema';
import { tempMappingsDir } from './mapping-fixtures';

const GOOD = `resourceType: ORDER
entity: order
fields:
  id: { type: string, from: resource.content.id }
`;

describe('loading mapping files', () => {
  let tmp: ReturnType<typeof tempMappingsDir>;
  beforeEach(() => (tmp = tempMappingsDir()));
  afterEach(() => tmp.remove());

  it('reports a schema fault with its file and line', async () => {
    const file = tmp.write(
      'order.yaml',
      `resourceType: ORDER
entity: order
fields:
  id: { type: string, from: resource.content.id }
  total:
    type: money
    from: resource.content.totalPrice
`,
    );
    const { mappings, problems } = await loadMappings(tmp.dir);
    assert.equal(mappings.length, 0);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, file);
    assert.equal(problems[0]?.line, 6);
    assert.match(problems[0]?.message ?? '', /fields\.total\.type: type must be one of/);
  });

  it('reports unknown keys, YAML syntax errors and compile faults at their lines', async () => {
    tmp.write('a.yaml', `${GOOD}  qty: { type: integer, form: resource.content.q }\n`);
    tmp.write('b.yaml', `resourceType: INVOICE\nentity: invoice\nfields:\n  id: { type: string, from: resource.content.id\n`);
    tmp.write(
      'c.yaml',
      `resourceType: COMPANY
entity: company
drop: [resource.content.card]
fields:
  id: { type: string, from: resource.content.id }
  x: { type: string, expr: "resource.(" }
  number: { type: string, from: resource.content.card.number }
`,
    );
    const { problems } = await loadMappings(tmp.dir);
    const at = (name: string) => problems.filter((p) => p.file === join(tmp.dir, name)).map((p) => [p.line, p.message]);
    assert.deepEqual(at('a.yaml')[0], [5, 'fields.qty.form: unknown key form']);
    assert.equal(at('b.yaml')[0]?.[0], 5);
    const c = at('c.yaml');
    assert.equal(c.length, 2);
    assert.equal(c[0]?.[0], 6);
    assert.match(String(c[0]?.[1]), /JSONata syntax error/);
    assert.equal(c[1]?.[0], 7);
    assert.match(String(c[1]?.[1]), /under the dropped path resource.content.card/);
  });

  it('refuses two files mapping the same resource type', async () => {
    tmp.write('a.yaml', GOOD);
    tmp.write('b.yaml', GOOD.replace('entity: order', 'entity: order2'));
    const { mappings, problems } = await loadMappings(tmp.dir);
    assert.equal(mappings.length, 1);
    assert.equal(problems[0]?.line, 1);
    assert.match(problems[0]?.message ?? '', /already mapped by .*a\.yaml/);
  });

  it('a missing folder is a problem, not an empty set', async () => {
    const { problems } = await loadMappings(join(tmp.dir, 'nope'));
    assert.match(problems[0]?.message ?? '', /not found/);
  });

  it('the published JSON Schemas agree with the one schema (regenerate with `appdirect-sync mappings schema`)', () => {
    for (const [name, schema] of Object.entries(mappingJsonSchemas())) {
      const published: unknown = JSON.parse(readFileSync(join('schema', name), 'utf8'));
      assert.deepEqual(published, JSON.parse(JSON.stringify(schema)), `schema/${name} is out of date`);
    }
  });

  it('every shipped mapping file points editors at the published schema', () => {
    for (const name of ['catalog_product', 'company', 'invoice', 'lead', 'membership', 'order', 'subscription', 'user']) {
      const first = readFileSync(join('mappings', `${name}.yaml`), 'utf8').split('\n')[0];
      assert.equal(first, '# yaml-language-server: $schema=../schema/mapping.schema.json');
    }
  });
});
