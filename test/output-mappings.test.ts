import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mappingsCheck, mappingsTest } from '../src/cli/mappings-command';
import { readFileSync } from 'node:fs';
import {
  collectMappingTests,
  listOutputMappingDirs,
  loadOutputMappingsSync,
  outputMappingJsonSchema,
  runMappingTest,
} from '../src/mapping';
import { formatProblem } from '../src/mapping/load-mappings';

// The connectors' output mappings (mappings/out/<connector>/<entity>.yaml), one `it` per case, as for the inbound
// files in mappings.test.ts: a wrong output mapping fails `npm test` exactly as it fails `mappings test`.
const dirs = listOutputMappingDirs('mappings');

describe('output mapping files (mappings/out/)', () => {
  it('the example CRM connector, the HubSpot and the Salesforce connectors have output mappings', () => {
    assert.deepEqual(dirs, [join('mappings', 'out', 'crm'), join('mappings', 'out', 'hubspot'), join('mappings', 'out', 'salesforce')]);
  });

  it('the published JSON Schema agrees with the schema (regenerate with `appdirect-sync mappings schema --output`)', () => {
    const published: unknown = JSON.parse(readFileSync(join('schema', 'output-mapping.schema.json'), 'utf8'));
    assert.deepEqual(published, JSON.parse(JSON.stringify(outputMappingJsonSchema())));
    const first = readFileSync(join('mappings', 'out', 'crm', 'company.yaml'), 'utf8').split('\n')[0];
    assert.equal(first, '# yaml-language-server: $schema=../../../schema/output-mapping.schema.json');
  });

  for (const dir of dirs) {
    const { cases, problems } = collectMappingTests(dir, loadOutputMappingsSync);
    it(`${dir}: all load without problems, and have cases`, () => {
      assert.deepEqual(problems.map(formatProblem), []);
      assert.ok(cases.length > 0);
    });
    for (const c of cases) {
      it(`${c.file}: ${c.name}`, async () => {
        const result = await runMappingTest(c);
        assert.ok(result.passed, result.failure);
      });
    }
  }
});

describe('mappings check|test cover output mappings', () => {
  function sink() {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
  }
  const inbound = `resourceType: WIDGET\nentity: widget\nfields:\n  name: { type: string, from: resource.content.name, required: true }\n`;

  it('reports a broken output mapping with its line, and a failing output case', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-out-'));
    writeFileSync(join(dir, 'widget.yaml'), inbound);
    mkdirSync(join(dir, 'out', 'crm'), { recursive: true });
    writeFileSync(
      join(dir, 'out', 'crm', 'widget.yaml'),
      [
        'entity: widget',
        'fields:',
        '  Title: { type: string, expr: "$uppercase(name)" }',
        'tests:',
        '  - name: upper',
        '    input: { name: bolt }',
        '    expect: { Title: BOLT }',
        '  - name: wrong on purpose',
        '    input: { name: nut }',
        '    expect: { Title: nut }',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'out', 'crm', 'gadget.yaml'), 'entity: gadget\nfields:\n  X: { type: nope, from: x }\n');
    const check = sink();
    assert.equal(mappingsCheck(dir, check.io), 1);
    assert.match(check.err.join(''), /out\/crm\/gadget\.yaml:3: /);
    assert.match(check.out.join(''), /ok {2}.*out\/crm\/widget\.yaml {2}widget -> output/);
    const test = sink();
    assert.equal(await mappingsTest(dir, test.io), 1);
    const text = test.out.join('');
    assert.match(text, /pass {2}.*out\/crm\/widget\.yaml {2}upper/);
    assert.match(text, /FAIL {2}.*out\/crm\/widget\.yaml {2}wrong on purpose[\s\S]*Title[\s\S]*"nut"[\s\S]*"NUT"/);
  });
});
