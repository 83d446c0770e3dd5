import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KnexRecordLinkStore } from '../../src/records/knex-record-link-store';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, type EngineHarness } from '../helpers/worker-harness';

const ROOT = join(__dirname, '..', '..');
const OLD_SUBSCRIPTION = readFileSync(join(ROOT, 'test', 'e2e', 'fixtures', 'subscription-before-issue-20.yaml'), 'utf8');
const shipped = (name: string) => readFileSync(join(ROOT, 'mappings', name), 'utf8');
const body = (path: string) => readFileSync(join(ROOT, 'mappings', 'fixtures', path));

interface ChangeRow {
  entity: string;
  record_key: string;
  kind: string;
  cause: string;
  data: string;
}

/** The upgrade of CHANGELOG.md on both engines, through the remap service (test/e2e/mapping-upgrade.test.ts drives the CLI). */
forEachDatabase('upgrading a store to the payload-true subscription mapping', (ctx) => {
  let h: EngineHarness;
  beforeEach(async () => {
    await ctx.clean();
    h = await engineHarness({}, ctx.db, { 'subscription.yaml': OLD_SUBSCRIPTION, 'company.yaml': shipped('company.yaml') });
  });
  afterEach(() => h.close());

  it('remap gives a stored subscription its companyId and company link: one change, none for the unchanged company', async () => {
    await h.acceptRaw([body('subscription/documented-added.json')]);
    await h.acceptRaw([body('company/documented-changed.json')]);
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
    const changes = async () => (await ctx.db('changes').orderBy('seq')) as ChangeRow[];
    const before = await changes();
    assert.equal(before.length, 2);
    assert.equal('companyId' in JSON.parse(before[0]?.data ?? '{}'), false);

    writeFileSync(join(h.mappingsDir, 'subscription.yaml'), shipped('subscription.yaml'));
    h.mappings.reload();
    const summary = await h.container.remap.run();
    assert.deepEqual([summary.checked, summary.changed, summary.unchanged, summary.failed], [2, 1, 1, 0]);
    const added = (await changes()).slice(before.length);
    assert.deepEqual(
      added.map((c) => [c.entity, c.kind, c.cause]),
      [['subscription', 'updated', 'remap']],
    );
    const data = JSON.parse(added[0]?.data ?? '{}') as Record<string, any>;
    assert.equal(data.companyId, 'CUST-0042');
    assert.deepEqual(data.$links.company, { entity: 'company', key: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a' });
    const dangling = await new KnexRecordLinkStore(ctx.db).dangling({ targetEntities: ['company', 'subscription'], limit: 10 });
    assert.deepEqual(dangling, { links: [], counts: [] });

    const again = await h.container.remap.run();
    assert.equal(again.changed, 0);
    assert.equal((await changes()).length, 3);
  });
});
