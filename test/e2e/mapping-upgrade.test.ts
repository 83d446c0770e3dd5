import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSyncWorkspace, type SyncWorkspace } from '../helpers/sync-workspace';

const ROOT = join(__dirname, '..', '..');
const OLD_SUBSCRIPTION = readFileSync(join(__dirname, 'fixtures', 'subscription-before-issue-20.yaml'), 'utf8');
const shipped = (name: string) => readFileSync(join(ROOT, 'mappings', name), 'utf8');
const contentOf = (path: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'mappings', 'fixtures', path), 'utf8')) as { resource: { content: Record<string, unknown> } })
    .resource.content;

const SUBSCRIPTION = '55481f0e-0c7d-4e3a-9f61-2b3c4d5e6f70';
const COMPANY = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

interface ChangeRow {
  entity: string;
  record_key: string;
  kind: string;
  cause: string;
  data: string;
}

/**
 * The upgrade path of docs/mappings.md and CHANGELOG.md: records stored under the previous subscription.yaml,
 * `mappings diff` against the new file, then `remap`.
 */
describe('upgrade to the payload-true mapping files: mappings diff, then remap', () => {
  let ws: SyncWorkspace;
  const changes = async () => (await ws.runtime.db('changes').orderBy('seq')) as ChangeRow[];

  before(async () => {
    ws = await openSyncWorkspace({ mappings: { 'subscription.yaml': OLD_SUBSCRIPTION, 'company.yaml': shipped('company.yaml') } });
    await ws.accept('SUBSCRIPTION', SUBSCRIPTION, contentOf('subscription/documented-added.json'));
    await ws.accept('COMPANY', COMPANY, contentOf('company/documented-changed.json'), { resourceAction: 'CHANGED' });
    await ws.drain();
  });
  after(() => ws.close());

  it('stores the subscription without company or links under the previous file', async () => {
    const data = JSON.parse((await ws.record('subscription', SUBSCRIPTION))?.data ?? '{}') as Record<string, unknown>;
    assert.equal(data.orderId, '4395');
    assert.equal('companyId' in data, false);
    assert.equal('$links' in data, false);
  });

  it('mappings diff shows what the new file would change before anything is written', async () => {
    ws.writeMapping('subscription.yaml', shipped('subscription.yaml'));
    const r = await ws.cli('mappings', 'diff');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /SUBSCRIPTION ADDED\s+55481f0e[^\n]*\n(?:.*\n)*?\s+companyId\n\s+- \(absent\)\n\s+\+ "CUST-0042"/);
    assert.match(r.stdout, /\$links\n\s+- \(absent\)\n\s+\+ {"company":{"entity":"company","key":"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"}/);
    assert.match(r.stdout, /2 event\(s\) compared: 1 with differences, 1 unchanged, 0 now failing/);
  });

  it('remap gives the subscription its companyId and link, one change for it and none for the unchanged company', async () => {
    const before = await changes();
    const r = await ws.cli('remap');
    assert.equal(r.code, 0, r.stderr);
    const added = (await changes()).slice(before.length);
    assert.deepEqual(
      added.map((c) => [c.entity, c.record_key, c.kind, c.cause]),
      [['subscription', SUBSCRIPTION, 'updated', 'remap']],
    );
    const data = JSON.parse(added[0]?.data ?? '{}') as Record<string, any>;
    assert.equal(data.companyId, 'CUST-0042');
    assert.deepEqual(data.$links.company, { entity: 'company', key: COMPANY });

    const links = await ws.cli('records', 'links', '--dangling', '--json');
    assert.equal(links.code, 0, links.stderr);
    assert.deepEqual(JSON.parse(links.stdout), { links: [], counts: [] }, 'the company is in the store: nothing dangles');

    const again = await ws.cli('remap');
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await changes()).length, before.length + 1, 'a second remap appends nothing');
  });
});
