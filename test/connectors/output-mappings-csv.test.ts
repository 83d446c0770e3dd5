import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { Container } from '../../src/compose/container';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import { runCli } from '../helpers/run-cli';
import { testConfig } from '../helpers/test-runtime';
import { engineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { drain, feedOn, parseCsv, startDownstream, type Downstream } from './connector-fixtures';

/** The widget mapping with its fields out of name order: CSV columns must follow the file, not the data. */
const WIDGET = `resourceType: WIDGET
entity: widget
fields:
  qty:  { type: integer, from: resource.content.qty }
  name: { type: string, from: resource.content.name, required: true }
`;
/** The CRM's shape of a widget; W2 has no Title (the expression yields nothing), so it is refused. */
const CRM_WIDGET = `entity: widget
fields:
  Title:    { type: string, expr: "name = 'W2' ? null : $uppercase(name)", required: true }
  Quantity: { type: integer, from: qty, required: true }
  Source:   { type: string, value: appdirect }
`;

const widget = (i: number, action: WidgetEvent['action'] = 'ADDED', t = 1000): WidgetEvent => ({
  uuid: `${action}-${i}-${t}`,
  key: `w-${i}`,
  action,
  timestamp: t + i,
  name: `W${i}`,
  qty: i * 10,
});

describe('output mappings and stable CSV, through the composition root and the CLI', function () {
  this.timeout(120_000);
  let dir: string;
  let dbFile: string;
  let db: Knex;
  let downstream: Downstream;
  let configFile: string;
  let settings: Record<string, unknown>;
  const logs: Array<Record<string, unknown>> = [];

  const container = () =>
    new Container(testConfig(settings), {
      db,
      logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
    });
  const accept = async (events: WidgetEvent[]) => {
    const harness = await engineHarness({}, db, { 'widget.yaml': WIDGET });
    await harness.accept(events);
    await drain(harness.newWorker());
    await harness.close();
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-out-'));
    dbFile = join(dir, 'sync.db');
    db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
    await migrateLatest(db);
    mkdirSync(join(dir, 'mappings', 'out', 'crm'), { recursive: true });
    writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET);
    writeFileSync(join(dir, 'mappings', 'out', 'crm', 'widget.yaml'), CRM_WIDGET);
    downstream = await startDownstream(() => 200);
    await accept([1, 2, 3].map((i) => widget(i)));
    settings = {
      db: { client: 'sqlite', filename: dbFile },
      mappings: { dir: join(dir, 'mappings') },
      log: { level: 'warn' },
      connectors: {
        crm: {
          type: 'http',
          mode: 'record',
          method: 'PUT',
          url: `${downstream.url}/accounts/{key}`,
          outputMappings: join(dir, 'mappings', 'out', 'crm'),
          retry: { attempts: 1 },
        },
        erp: { type: 'file', dir: join(dir, 'erp'), formats: ['csv'] },
        erpcrm: { type: 'file', dir: join(dir, 'erpcrm'), formats: ['csv', 'ndjson'], outputMappings: join(dir, 'mappings', 'out', 'crm') },
      },
    };
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, stringify({ environment: 'test', sources: {}, ...settings }));
  });
  after(async () => {
    await downstream.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an http connector sends records through its output mapping (renamed, computed), parking one it refuses', async () => {
    const c = container();
    const outcome = await c.connectors.run('crm');
    await c.close();
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    assert.deepEqual(
      downstream.requests.map((r) => [r.method, r.path, JSON.parse(r.body)]),
      [
        ['PUT', '/accounts/w-1', { Quantity: 10, Source: 'appdirect', Title: 'W1' }],
        ['PUT', '/accounts/w-3', { Quantity: 30, Source: 'appdirect', Title: 'W3' }],
      ],
    );
    const list = await runCli(['--config', configFile, 'connectors', 'failures', 'list', 'crm', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const overview = await runCli(['--config', configFile, 'connectors', 'list', '--json']);
    const crm = (JSON.parse(overview.stdout) as Array<{ name: string; parked: number }>).find((r) => r.name === 'crm');
    assert.equal(crm?.parked, 1, 'connectors list counts the parked change');
    const [parked, ...more] = JSON.parse(list.stdout) as Array<{ id: number; key: string; code: string; message: string; status: null }>;
    assert.deepEqual(more, []);
    assert.deepEqual([parked?.key, parked?.code, parked?.status], ['w-2', 'CONNECTOR_OUTPUT_MAPPING_FAILED', null]);
    assert.match(parked?.message ?? '', /MAPPING_REQUIRED_FIELD_MISSING Title/);
    const show = await runCli(['--config', configFile, 'connectors', 'failures', 'show', 'crm', String(parked?.id)]);
    assert.match(show.stdout, /refused: {5}- CONNECTOR_OUTPUT_MAPPING_FAILED/);
    const skip = await runCli(['--config', configFile, 'connectors', 'failures', 'skip', 'crm', String(parked?.id)]);
    assert.deepEqual([skip.code, skip.stdout.trim()], [0, `crm ${parked?.id}: skipped`]);
    const none = await runCli(['--config', configFile, 'connectors', 'failures', 'list', 'crm']);
    assert.equal(none.stdout.trim(), 'no parked changes for crm');
  });

  it('connectors preview shows what would be sent for a stored change, or why its output mapping refuses it', async () => {
    const changes = (await feedOn(db).read('0', { limit: 10 })).changes;
    const w3 = changes.find((ch) => ch.key === 'w-3');
    const preview = await runCli(['--config', configFile, 'connectors', 'preview', 'crm', '--seq', String(w3?.seq)]);
    assert.equal(preview.code, 0, preview.stderr);
    const shown = JSON.parse(preview.stdout) as { entity: string; key: string; sends: Record<string, unknown> };
    assert.deepEqual([shown.entity, shown.key], ['widget', 'w-3']);
    assert.deepEqual(shown.sends, {
      method: 'PUT',
      url: `${downstream.url}/accounts/w-3`,
      idempotencyKey: `crm:shop:${w3?.seq}`,
      body: { Quantity: 30, Source: 'appdirect', Title: 'W3' },
    });
    const w2 = changes.find((ch) => ch.key === 'w-2');
    const refused = await runCli(['--config', configFile, 'connectors', 'preview', 'crm', '--seq', String(w2?.seq)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /CONNECTOR_OUTPUT_MAPPING_FAILED: .*Title/);
    const missing = await runCli(['--config', configFile, 'connectors', 'preview', 'crm', '--seq', '999']);
    assert.match(missing.stderr, /FEED_CHANGE_NOT_FOUND/);
  });

  it('a file connector writes the output mapping columns and parks a record it refuses; preview shows the CSV row', async () => {
    const c = container();
    const outcome = await c.connectors.run('erpcrm');
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const parked = await c.stores.connectorFailures.list({ connector: 'erpcrm', limit: 5 });
    await c.close();
    const out = join(dir, 'erpcrm');
    const csvFile = readdirSync(out).find((f) => f.endsWith('.csv')) as string;
    const [header, ...rows] = parseCsv(readFileSync(join(out, csvFile), 'utf8'));
    assert.deepEqual(header, ['cursor', 'kind', 'source', 'key', 'Title', 'Quantity', 'Source']);
    assert.deepEqual(
      rows.map((r) => r.slice(3)),
      [
        ['w-1', 'W1', '10', 'appdirect'],
        ['w-3', 'W3', '30', 'appdirect'],
      ],
    );
    const ndjson = readFileSync(join(out, csvFile.replace(/\.csv$/, '.ndjson')), 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual((JSON.parse(ndjson[0] as string) as { data: unknown }).data, { Quantity: 10, Source: 'appdirect', Title: 'W1' });
    assert.deepEqual(
      parked.map((f) => [f.key, f.code]),
      [['w-2', 'CONNECTOR_OUTPUT_MAPPING_FAILED']],
    );
    const w1 = (await feedOn(db).read('0', { limit: 10 })).changes.find((ch) => ch.key === 'w-1');
    const preview = await runCli(['--config', configFile, 'connectors', 'preview', 'erpcrm', '--seq', String(w1?.seq)]);
    assert.equal(preview.code, 0, preview.stderr);
    const shown = JSON.parse(preview.stdout) as { sends: { csv: Record<string, string> } };
    assert.deepEqual(shown.sends.csv, {
      cursor: String(w1?.seq),
      kind: 'created',
      source: 'shop',
      key: 'w-1',
      Title: 'W1',
      Quantity: '10',
      Source: 'appdirect',
    });
  });

  it('CSV columns are the declared fields in file order, identical across runs; a column change starts a new header and is logged', async () => {
    const out = join(dir, 'erp');
    const headers = () =>
      readdirSync(out)
        .filter((f) => f.endsWith('.csv'))
        .sort()
        .map((f) => parseCsv(readFileSync(join(out, f), 'utf8'))[0]?.join(','));
    let c = container();
    assert.equal((await c.connectors.run('erp')).status, 'ok');
    await c.close();
    // New changes whose data lists its fields in another order, and a record without qty.
    await accept([widget(4), { ...widget(5), qty: undefined as unknown as number }]);
    c = container();
    assert.equal((await c.connectors.run('erp')).status, 'ok');
    await c.close();
    assert.deepEqual(headers(), ['cursor,kind,source,key,qty,name', 'cursor,kind,source,key,qty,name'], 'the same header in every file');
    assert.ok(!logs.some((l) => l.msg?.toString().startsWith('csv columns changed')));

    writeFileSync(join(dir, 'mappings', 'widget.yaml'), `${WIDGET}  color: { type: string, from: resource.content.color }\n`);
    await accept([widget(6, 'CHANGED', 5000)]);
    c = container();
    assert.equal((await c.connectors.run('erp')).status, 'ok');
    await c.close();
    const all = headers();
    assert.equal(all.length, 3);
    assert.equal(all[2], 'cursor,kind,source,key,qty,name,color', 'the new file starts with the new header');
    const changed = logs.find((l) => l.msg === 'csv columns changed; the new file starts with the new header');
    assert.ok(changed, 'the change is logged');
    assert.deepEqual([changed.connector, changed.entity, changed.added, changed.removed], ['erp', 'widget', ['color'], []]);
  });
});
