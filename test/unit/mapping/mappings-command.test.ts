import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mappingsCheck, mappingsPreview, mappingsTest, type CommandOutput } from '../../../src/cli/mappings-command';
import { tempMappingsDir } from './mapping-fixtures';

function capture(): CommandOutput & { text(): string } {
  let all = '';
  return { out: (t) => void (all += t), err: (t) => void (all += t), text: () => all };
}

const MAPPING = `resourceType: ORDER
entity: order
fields:
  id: { type: string, from: resource.content.id, required: true }
  total: { type: decimal, from: resource.content.totalPrice }
`;
const INPUT = `{ uuid: d1, timestamp: 1, resourceAction: ADDED, resource: { type: ORDER, uuid: 7, content: { id: 7, totalPrice: "1.50" } } }`;

describe('appdirect-sync mappings (CLI)', () => {
  let tmp: ReturnType<typeof tempMappingsDir>;
  beforeEach(() => (tmp = tempMappingsDir()));
  afterEach(() => tmp.remove());

  it("check: reports every problem once, a schema error hides no other field's fault, and says what an enum lacks", () => {
    tmp.write(
      'widget.yaml',
      'resourceType: WIDGET\nentity: widget\nfields:\n  a: { type: string, from: resource.content.a, bogus: 1 }\n' +
        '  b: { type: string }\n  c: { type: enum, from: resource.content.c }\n',
    );
    const io = capture();
    assert.equal(mappingsCheck(tmp.dir, io), 1);
    const lines = io
      .text()
      .split('\n')
      .filter((l) => l.includes('widget.yaml:'));
    assert.deepEqual(
      lines.map((l) => l.replace(/^.*widget\.yaml:/, '')),
      [
        '4: fields.a.bogus: unknown key bogus',
        '5: fields.b: field b needs exactly one of from, href, expr or value (has none)',
        '6: fields.c.values: required key is missing (expected a list or a map)',
      ],
    );
    assert.match(io.text(), /0 mapping\(s\) valid, 3 problem\(s\)/);
  });

  it('test: exits 0 when every case passes', async () => {
    tmp.write('order.yaml', MAPPING);
    tmp.write('order.tests.yaml', `cases:\n  - name: maps\n    input: ${INPUT}\n    expect: { id: "7", total: "1.5" }\n`);
    const io = capture();
    assert.equal(await mappingsTest(tmp.dir, io), 0, io.text());
    assert.match(io.text(), /1 passed, 0 failed/);
  });

  it('test: exits non-zero and prints the case, the file and a field diff for a wrong expectation', async () => {
    tmp.write('order.yaml', MAPPING);
    tmp.write('order.tests.yaml', `cases:\n  - name: wrong total\n    input: ${INPUT}\n    expect: { id: "7", total: "1.50" }\n`);
    const io = capture();
    assert.equal(await mappingsTest(tmp.dir, io), 1);
    const text = io.text();
    assert.match(text, /FAIL .*order\.tests\.yaml\s+wrong total/);
    assert.match(text, /total\n\s+- "1\.50"\n\s+\+ "1\.5"/);
    assert.match(text, /0 passed, 1 failed/);
  });

  it('test: an unreadable tests file is a problem listed with its name, and the other cases still run', async () => {
    tmp.write('order.yaml', `${MAPPING}tests:\n  - name: inline\n    input: ${INPUT}\n    expect: { id: "7", total: "1.5" }\n`);
    mkdirSync(join(tmp.dir, 'order.tests.yaml')); // reading a directory fails (EISDIR), as root too
    const io = capture();
    assert.equal(await mappingsTest(tmp.dir, io), 1);
    assert.match(io.text(), /order\.tests\.yaml: cannot read: EISDIR/);
    assert.match(io.text(), /1 passed, 0 failed, 1 file problem\(s\)/);
  });

  it('test: a case expecting an error that does not come fails', async () => {
    tmp.write(
      'order.yaml',
      `${MAPPING}tests:\n  - name: should fail\n    input: ${INPUT}\n    expectError: { code: MAPPING_WRONG_TYPE }\n`,
    );
    const io = capture();
    assert.equal(await mappingsTest(tmp.dir, io), 1);
    assert.match(io.text(), /expected errors but the mapping succeeded/);
  });

  it('check: exits non-zero with file:line for a broken file', () => {
    tmp.write('order.yaml', MAPPING.replace('decimal', 'float'));
    const io = capture();
    assert.equal(mappingsCheck(tmp.dir, io), 1);
    assert.match(io.text(), /order\.yaml:5: fields\.total\.type/);
  });

  it('preview: prints the record, or the errors', async () => {
    tmp.write('order.yaml', MAPPING);
    const good = tmp.write(
      'd.json',
      JSON.stringify({ uuid: 'd1', resource: { type: 'ORDER', uuid: 7, content: { id: 7, totalPrice: '2.00' } } }),
    );
    const io = capture();
    assert.equal(await mappingsPreview(tmp.dir, good, io), 0, io.text());
    assert.deepEqual(JSON.parse(io.text()).data, { id: '7', total: '2' });
    const bad = tmp.write('e.json', JSON.stringify({ uuid: 'd2', resource: { type: 'ORDER', uuid: 7, content: { totalPrice: 'x' } } }));
    const io2 = capture();
    assert.equal(await mappingsPreview(tmp.dir, bad, io2), 1);
    assert.match(io2.text(), /MAPPING_REQUIRED_FIELD_MISSING: .*field id .*delivery d2/);
    assert.match(io2.text(), /MAPPING_WRONG_TYPE/);
  });

  it('preview: shows the links and which of several paths each field matched', async () => {
    tmp.write(
      'order.yaml',
      `resourceType: ORDER
entity: order
fields:
  id:    { type: string, from: resource.content.id, required: true }
  total: { type: decimal, from: [resource.content.total, resource.content.totalPrice] }
  note:  { type: string, from: resource.content.note }
links:
  company: { entity: company, href: resource.content.company.href, from: resource.content.company.id, match: externalId }
`,
    );
    const file = tmp.write(
      'd.json',
      JSON.stringify({
        uuid: 'd1',
        resource: { type: 'ORDER', uuid: 7, content: { id: 7, totalPrice: '2.00', company: { id: 'EXT-1' } } },
      }),
    );
    const io = capture();
    assert.equal(await mappingsPreview(tmp.dir, file, io), 0, io.text());
    const shown = JSON.parse(io.text()) as Record<string, unknown>;
    assert.deepEqual(shown.links, { company: { entity: 'company', key: 'EXT-1', match: 'externalId' } });
    assert.deepEqual(shown.matchedPaths, { id: 'resource.content.id', total: 'resource.content.totalPrice', note: null });
  });
});
