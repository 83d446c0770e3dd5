import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Knex } from '../../src/db/create-knex';
import { EntityViewService } from '../../src/records/entity-view-service';
import { createEntityViewStore } from '../../src/records/create-record-stores';
import { forEachDatabase, type TestDatabase } from '../helpers/test-databases';
import { startTestServer } from '../helpers/test-runtime';
import { engineHarness, type EngineHarness } from '../helpers/worker-harness';

const GADGET = `resourceType: GADGET
entity: gadget
fields:
  name:        { type: string, from: resource.content.name, required: true }
  qty:         { type: integer, from: resource.content.qty }
  price:       { type: decimal, from: resource.content.price }
  active:      { type: boolean, from: resource.content.active }
  launchedOn:  { type: date, from: resource.content.launchedOn }
  seenAt:      { type: datetime, from: resource.content.seenAt }
  tier:        { type: enum, from: resource.content.tier, values: { GOLD: gold, SILVER: silver } }
  specs:       { type: json, from: resource.content.specs }
  source:      { type: string, from: resource.content.origin }
  parts:
    type: collection
    from: resource.content.parts
    default: []
    fields:
      sku:    { type: string, from: sku }
      weight: { type: decimal, from: weight }
`;

const BIG = '12345678901234567890.1234567890';

function gadget(key: string, uuid: string, ts: number, action: string, content?: Record<string, unknown>): Buffer {
  const resource: Record<string, unknown> = { type: 'GADGET', uuid: key };
  if (content) resource.content = content;
  return Buffer.from(JSON.stringify({ uuid, timestamp: ts, resource, resourceAction: action }));
}

const FULL = {
  name: 'Sprocket',
  qty: 42,
  price: BIG,
  active: true,
  launchedOn: '2026-02-28',
  seenAt: '2026-11-27T10:15:30+01:00',
  tier: 'GOLD',
  specs: { dims: { w: 1, h: 2.5 }, tags: ['a', 'b'] },
  origin: 'catalog',
  parts: [{ sku: 'S-1', weight: '1.50' }],
};

/** The columns of a view, in order, as the database describes it. */
async function columnsOf(db: Knex, engine: TestDatabase['engine'], view: string): Promise<Array<{ name: string; type: string }>> {
  if (engine === 'pg') {
    const { rows } = (await db.raw(
      'select column_name as name, data_type as type from information_schema.columns where table_schema = current_schema() and table_name = ? order by ordinal_position',
      [view],
    )) as { rows: Array<{ name: string; type: string }> };
    return rows;
  }
  return (await db.raw(`select name, type from pragma_table_info(?)`, [view])) as Array<{ name: string; type: string }>;
}

forEachDatabase('entity views', (ctx) => {
  let h: EngineHarness;
  let views: EntityViewService;
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    await ctx.clean();
    await ctx.db.transaction((trx) => createEntityViewStore(ctx.db).apply(trx, [])); // no entity view left from an earlier test
    h = await engineHarness({}, ctx.db, { 'gadget.yaml': GADGET });
    views = new EntityViewService(ctx.db, createEntityViewStore(ctx.db), h.mappings, logger);
    views.follow(h.mappings);
  });
  afterEach(async () => {
    await views.idle();
    await h.close();
  });

  async function drain(): Promise<void> {
    const worker = h.newWorker();
    while ((await worker.tick()).claimed > 0);
  }

  it('gives one typed column per mapped field, from records written by the real worker', async () => {
    await h.acceptRaw([
      gadget('g-1', 'e-1', 1000, 'ADDED', FULL),
      gadget('g-2', 'e-2', 1000, 'ADDED', { name: 'Cog', qty: -7, price: '0.10', active: 'false', parts: [] }),
      gadget('g-3', 'e-3', 1000, 'ADDED', { name: 'Gone', qty: 1 }),
      gadget('g-3', 'e-4', 2000, 'REMOVED'),
    ]);
    await drain();
    const r = await views.refresh();
    assert.deepEqual(r.created, ['entity_gadget']);

    const cols = await columnsOf(ctx.db, ctx.engine, 'entity_gadget');
    assert.deepEqual(
      cols.map((c) => c.name),
      [
        'source',
        'record_key',
        'deleted',
        'name',
        'qty',
        'price',
        'active',
        'launched_on',
        'seen_at',
        'tier',
        'specs',
        'source_2',
        'parts',
        'mapping_version',
        'updated_at',
      ],
    );

    if (ctx.engine === 'pg') {
      const types = Object.fromEntries(cols.map((c) => [c.name, c.type]));
      assert.deepEqual(
        [types.qty, types.price, types.active, types.launched_on, types.seen_at, types.specs, types.parts, types.name],
        ['bigint', 'numeric', 'boolean', 'date', 'timestamp with time zone', 'jsonb', 'jsonb', 'text'],
      );
      const { rows } = (await ctx.db.raw(
        `select record_key, deleted, name, qty, price::text as price, (price * 2)::text as doubled, active, launched_on::text as launched_on,
           seen_at = '2026-11-27T09:15:30Z'::timestamptz as seen_ok, tier, specs, specs -> 'dims' ->> 'h' as h, source_2,
           parts, parts -> 0 ->> 'weight' as w
         from entity_gadget order by record_key`,
      )) as { rows: Array<Record<string, unknown>> };
      const [g1, g2, g3] = rows;
      assert.deepEqual(g1, {
        record_key: 'g-1',
        deleted: false,
        name: 'Sprocket',
        qty: '42',
        price: '12345678901234567890.123456789',
        doubled: '24691357802469135780.246913578',
        active: true,
        launched_on: '2026-02-28',
        seen_ok: true,
        tier: 'gold',
        specs: FULL.specs,
        h: '2.5',
        source_2: 'catalog',
        parts: [{ sku: 'S-1', weight: '1.5' }],
        w: '1.5',
      });
      assert.equal(g2?.qty, '-7');
      assert.equal(g2?.price, '0.1');
      assert.equal(g2?.active, false);
      assert.equal(g2?.specs, null);
      assert.deepEqual(g2?.parts, []);
      assert.equal(g3?.deleted, true);
      assert.equal(g3?.name, 'Gone', 'a tombstone keeps its last data');
    } else {
      const rows = (await ctx.db.raw(
        `select record_key, deleted, name, qty, typeof(qty) as qty_type, price, typeof(price) as price_type, active, launched_on, seen_at,
           tier, specs, json_extract(specs, '$.dims.h') as h, source_2, parts, json_extract(parts, '$[0].weight') as w
         from entity_gadget order by record_key`,
      )) as Array<Record<string, unknown>>;
      const [g1, g2, g3] = rows;
      assert.deepEqual(
        { ...g1, specs: JSON.parse(String(g1?.specs)), parts: JSON.parse(String(g1?.parts)) },
        {
          record_key: 'g-1',
          deleted: 0,
          name: 'Sprocket',
          qty: 42,
          qty_type: 'integer',
          price: '12345678901234567890.123456789',
          price_type: 'text',
          active: 1,
          launched_on: '2026-02-28',
          seen_at: '2026-11-27T09:15:30.000Z',
          tier: 'gold',
          specs: FULL.specs,
          h: 2.5,
          source_2: 'catalog',
          parts: [{ sku: 'S-1', weight: '1.5' }],
          w: '1.5',
        },
      );
      assert.equal(g2?.qty, -7);
      assert.equal(g2?.price, '0.1');
      assert.equal(g2?.active, 0);
      assert.equal(g2?.specs, null);
      assert.equal(g2?.parts, '[]');
      assert.equal(g3?.deleted, 1);
      assert.equal(g3?.name, 'Gone', 'a tombstone keeps its last data');
    }
  });

  it('follows a hot reload: an added field appears, a removed one disappears, and a second refresh touches nothing', async () => {
    await h.acceptRaw([gadget('g-1', 'e-1', 1000, 'ADDED', { ...FULL, color: 'red' })]);
    await drain();
    await views.refresh();
    assert.ok(!(await columnsOf(ctx.db, ctx.engine, 'entity_gadget')).some((c) => c.name === 'color'));

    const withColor = GADGET.replace(/^ {2}qty: .*$/m, '  color:       { type: string, from: resource.content.color }');
    assert.ok(withColor.includes('color:') && !withColor.includes('qty:'));
    writeFileSync(join(h.mappingsDir, 'gadget.yaml'), withColor);
    h.mappings.reload();
    await views.idle();

    const names = (await columnsOf(ctx.db, ctx.engine, 'entity_gadget')).map((c) => c.name);
    assert.ok(names.includes('color'), `color column after reload: ${names.join(',')}`);
    assert.ok(!names.includes('qty'), 'the removed field is gone');
    // The record was mapped before color existed: its data has no color yet, so the column is NULL...
    const before = (await ctx.db('entity_gadget').select('color').where({ record_key: 'g-1' })) as Array<{ color: unknown }>;
    assert.deepEqual(before, [{ color: null }]);
    // ...until the next event is mapped with the new mapping.
    await h.acceptRaw([gadget('g-1', 'e-2', 2000, 'CHANGED', { ...FULL, color: 'blue' })]);
    await drain();
    const after = (await ctx.db('entity_gadget').select('color').where({ record_key: 'g-1' })) as Array<{ color: unknown }>;
    assert.deepEqual(after, [{ color: 'blue' }]);

    const again = await views.refresh();
    assert.deepEqual(again, { created: [], replaced: [], unchanged: ['entity_gadget'], dropped: [] });
  });

  it("drops the view of an entity whose mapping is gone, and leaves the user's own views alone", async () => {
    writeFileSync(
      join(h.mappingsDir, 'widget.yaml'),
      'resourceType: WIDGET\nentity: widget\nfields:\n  name: { type: string, from: resource.content.name }\n',
    );
    h.mappings.reload();
    await views.idle();
    await ctx.db.raw('create view my_report as select count(*) as n from records');
    const widgetView = async () => (await columnsOf(ctx.db, ctx.engine, 'entity_widget')).map((c) => c.name);
    assert.deepEqual(await widgetView(), ['source', 'record_key', 'deleted', 'name', 'mapping_version', 'updated_at']);

    unlinkSync(join(h.mappingsDir, 'widget.yaml'));
    h.mappings.reload();
    await views.idle();
    assert.deepEqual(await widgetView(), [], 'entity_widget dropped');
    assert.ok((await columnsOf(ctx.db, ctx.engine, 'entity_gadget')).length > 0, 'entity_gadget stays');
    const [mine] = (await ctx.db('my_report').select('n')) as Array<{ n: unknown }>;
    assert.equal(Number(mine?.n), 0);
    await ctx.db.raw('drop view my_report');
  });

  it('reads a stored value that no longer fits the field type as NULL instead of failing the query', async () => {
    await views.refresh();
    const now = new Date().toISOString();
    // Data written by an older mapping in which qty was text and price an integer.
    await ctx.db('records').insert({
      source: 'shop',
      entity: 'gadget',
      record_key: 'old',
      data: JSON.stringify({ name: 'Old', qty: 'a dozen', price: 12, launchedOn: 'soon', seenAt: 5, active: 'yes' }),
      raw_content: null,
      event_uuid: 'e-old',
      event_timestamp: 1,
      event_action: 'ADDED',
      mapping_version: 'v0',
      deleted: false,
      created_at: now,
      updated_at: now,
    });
    const rows = (await ctx.db('entity_gadget').select('name', 'qty', 'price', 'launched_on', 'seen_at', 'active')) as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(rows, [{ name: 'Old', qty: null, price: null, launched_on: null, seen_at: null, active: null }]);
  });
});

forEachDatabase('entity views in the running service', (ctx) => {
  it('exist once the service has started, one per shipped entity', async () => {
    await ctx.clean();
    const server = await startTestServer({ db: ctx.config, mappings: { dir: join(__dirname, '..', '..', 'mappings') } });
    try {
      for (const entity of ['catalog_product', 'company', 'invoice', 'lead', 'membership', 'order', 'subscription', 'user']) {
        const rows = (await ctx.db(`entity_${entity}`).count({ n: '*' })) as Array<{ n: unknown }>;
        assert.equal(Number(rows[0]?.n), 0, entity);
      }
      const r = await server.runtime.views.refresh();
      assert.equal(r.unchanged.length, 8, 'a refresh right after start changes nothing');
    } finally {
      await server.close();
    }
  });
});
