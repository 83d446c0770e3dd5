import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSyncWorkspace, type SyncWorkspace } from '../helpers/sync-workspace';

const ROOT = join(__dirname, '..', '..');
const shipped = (name: string) => readFileSync(join(ROOT, 'mappings', name), 'utf8');
const contentOf = (path: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'mappings', 'fixtures', path), 'utf8')) as { resource: { content: Record<string, unknown> } })
    .resource.content;

const SUBSCRIPTION = '55481f0e-0c7d-4e3a-9f61-2b3c4d5e6f70';
const COMPANY = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

describe('CLI: records links --dangling', () => {
  let ws: SyncWorkspace;
  before(async () => {
    const mappings = Object.fromEntries(
      ['company', 'invoice', 'lead', 'order', 'subscription'].map((n) => [`${n}.yaml`, shipped(`${n}.yaml`)]),
    );
    ws = await openSyncWorkspace({ mappings });
  });
  after(() => ws.close());

  it('lists exactly the link of a subscription stored before its company, with counts, and nothing once the company arrives', async () => {
    await ws.accept('SUBSCRIPTION', SUBSCRIPTION, contentOf('subscription/documented-added.json'));
    await ws.drain();
    const before = await ws.cli('records', 'links', '--dangling');
    assert.equal(before.code, 0, before.stderr);
    assert.equal(
      before.stdout,
      [
        `subscription ${SUBSCRIPTION} (shop)  company -> company ${COMPANY}`,
        '',
        'dangling links per entity and link:',
        `  ${'subscription.company'.padEnd(32)} -> ${'company'.padEnd(16)} 1`,
        '',
      ].join('\n'),
    );
    const other = await ws.cli('records', 'links', '--dangling', '--entity', 'order');
    assert.equal(other.stdout, 'no dangling links\n');

    await ws.accept('COMPANY', COMPANY, contentOf('company/documented-changed.json'));
    await ws.drain();
    const after = await ws.cli('records', 'links', '--dangling');
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout, 'no dangling links\n');
  });

  it('refuses a limit out of range without touching the database', async () => {
    const r = await ws.cli('records', 'links', '--dangling', '--limit', '-1');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--limit must be 0 to 100000/);
  });
});
