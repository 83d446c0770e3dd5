import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/run-cli';

describe('CLI: views refresh and show', () => {
  let dir: string;
  let global: string[];
  const dbFile = () => join(dir, 'views.db');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-cli-views-'));
    const mappings = join(__dirname, '..', '..', 'mappings');
    writeFileSync(
      join(dir, 'default.yaml'),
      `environment: test\ndb:\n  client: sqlite\n  filename: ${JSON.stringify(dbFile())}\nmappings:\n  dir: ${JSON.stringify(mappings)}\nlog:\n  level: silent\n`,
    );
    global = ['--config-dir', dir];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refresh creates one view per entity, then leaves them alone; show prints the SQL per dialect', async () => {
    const first = await runCli([...global, 'views', 'refresh']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      first.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)),
      [
        ['created', 'entity_catalog_product'],
        ['created', 'entity_company'],
        ['created', 'entity_invoice'],
        ['created', 'entity_lead'],
        ['created', 'entity_membership'],
        ['created', 'entity_order'],
        ['created', 'entity_subscription'],
        ['created', 'entity_user'],
      ],
    );
    const db = new Database(dbFile(), { readonly: true });
    try {
      const cols = (db.prepare(`select name from pragma_table_info('entity_company')`).all() as { name: string }[]).map((c) => c.name);
      assert.ok(cols.includes('phone_number') && cols.includes('enabled'), cols.join(','));
    } finally {
      db.close();
    }
    const second = await runCli([...global, 'views', 'refresh']);
    assert.match(second.stdout, /^unchanged +entity_company$/m);

    const pg = await runCli([...global, 'views', 'show', 'invoice', '--dialect', 'pg']);
    assert.equal(pg.code, 0, pg.stderr);
    assert.match(pg.stdout, /CREATE VIEW "entity_invoice" AS/);
    assert.match(pg.stdout, /::numeric end as "total"/);
    const unknown = await runCli([...global, 'views', 'show', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /no mapping has entity nope; entities: catalog_product, company, invoice, lead, membership, order, subscription, user/,
    );
  });
});
