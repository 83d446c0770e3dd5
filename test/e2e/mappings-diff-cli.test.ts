import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSyncWorkspace, WIDGET_FIXED, type SyncWorkspace } from '../helpers/sync-workspace';

const WIDGET_WITH_LINES = `${WIDGET_FIXED}  lines:
    type: collection
    from: resource.content.lines
    default: []
    fields:
      price: { type: decimal, from: price }
`;

describe('CLI: mappings diff', () => {
  let ws: SyncWorkspace;

  before(async () => {
    ws = await openSyncWorkspace({ mappings: { 'widget.yaml': WIDGET_WITH_LINES } });
    await ws.accept('WIDGET', 'w1', { id: 'w1', name: 'one', color: 'red', lines: [{ price: '1.50' }, { price: '2' }] });
    await ws.accept('WIDGET', 'w2', { id: 'w2', name: 'two', color: 'blue', lines: [] });
    await ws.drain();
  });
  after(() => ws.close());

  it('prints nothing but the summary for the mappings that produced the records', async () => {
    const r = await ws.cli('mappings', 'diff');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2 event(s) compared: 0 with differences, 2 unchanged, 0 now failing\n');
  });

  it('prints field-level differences, nested paths included, for a mapping edited on disk', async () => {
    const edited = join(ws.dir, 'edited');
    cpSync(ws.mappingsDir, edited, { recursive: true });
    writeFileSync(
      join(edited, 'widget.yaml'),
      WIDGET_WITH_LINES.replace(
        'price: { type: decimal, from: price }',
        'price: { type: string, expr: "$string(price) & \' EUR\'" }',
      ).replace(
        'color: { type: string, from: resource.content.color }',
        'color: { type: string, from: resource.content.color, required: true }\n  size: { type: integer, from: resource.content.size, required: true }',
      ),
    );
    const r = await ws.cli('mappings', 'diff', '--dir', edited, '--last', '5');
    assert.equal(r.code, 0, r.stderr);
    // Both events now fail on the new required field: no record would be written.
    assert.match(
      r.stdout,
      /now fails\n\s+MAPPING_REQUIRED_FIELD_MISSING: .*\n\s+file: \S*edited\/widget\.yaml\s+field: size\s+path: resource\.content\.size/,
    );
    assert.match(r.stdout, /2 event\(s\) compared: 0 with differences, 0 unchanged, 2 now failing/);

    writeFileSync(
      join(edited, 'widget.yaml'),
      WIDGET_WITH_LINES.replace('price: { type: decimal, from: price }', 'price: { type: string, expr: "$string(price) & \' EUR\'" }'),
    );
    const diff = await ws.cli('mappings', 'diff', '--dir', edited);
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(
      diff.stdout,
      /event \d+\s+shop\s+WIDGET ADDED\s+w1\s+\(compared with stored record\)\n\s+lines\[0\]\.price\n\s+- "1\.5"\n\s+\+ "1\.50 EUR"\n\s+lines\[1\]\.price\n\s+- "2"\n\s+\+ "2 EUR"/,
    );
    assert.doesNotMatch(diff.stdout, /w2/, 'w2 has no lines, so nothing differs');
    assert.match(diff.stdout, /2 event\(s\) compared: 1 with differences, 1 unchanged, 0 now failing/);
  });
});
