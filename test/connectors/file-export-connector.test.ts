import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { consumerNameOf } from '../../src/connectors/connector';
import { ConnectorRunner } from '../../src/connectors/connector-runner';
import { createConnector } from '../../src/connectors/create-connectors';
import { createKnex, type Knex } from '../../src/db/create-knex';
import { migrateLatest } from '../../src/db/migration-source';
import type { Change } from '../../src/feed/change-feed';
import type { FeedService } from '../../src/feed/feed-service';
import { runCli } from '../helpers/run-cli';
import { testConfig } from '../helpers/test-runtime';
import { engineHarness } from '../helpers/worker-harness';
import { drain, feedOn, mixChanges, parseCsv, ROOT, silentLogger, connectorDeps } from './connector-fixtures';

const pad = (n: number) => String(n).padStart(12, '0');
const finalFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();
const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** What a CSV cell must hold for a data value, worked out independently of the writer. */
function expectedCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function openDb(file: string): Promise<Knex> {
  const db = createKnex({ client: 'sqlite', filename: file, pool: { max: 1 } });
  await migrateLatest(db);
  return db;
}

describe('file export connector', function () {
  this.timeout(120_000);
  let dir: string;
  let db: Knex;
  let feed: FeedService;
  let all: Change[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-export-'));
    db = await openDb(join(dir, 'sync.db'));
    feed = feedOn(db);
    await mixChanges(db, 300);
    // Widgets with names that need CSV quoting, after the AppDirect mix.
    const harness = await engineHarness({}, db);
    await harness.accept([
      { uuid: 'w1', key: 'w-1', action: 'ADDED', timestamp: 1, name: 'Acme, "Big"\r\nCo', qty: 3 },
      { uuid: 'w2', key: 'w-2', action: 'ADDED', timestamp: 2, name: 'plain', qty: 0 },
      { uuid: 'w3', key: 'w-2', action: 'REMOVED', timestamp: 3, name: '', qty: 0 },
    ]);
    await drain(harness.newWorker());
    await harness.close();
    all = (await feed.read('0', { limit: 100_000 })).changes;
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const runner = (name: string, raw: Record<string, unknown>) => {
    const config = testConfig({ connectors: { [name]: raw } }).connectors[name];
    assert.ok(config);
    return new ConnectorRunner([{ connector: createConnector(name, config, connectorDeps(db, feed)) }], silentLogger);
  };
  const checkpointOf = async (name: string) => (await feed.readFor(consumerNameOf(name), { limit: 1 })).consumer.cursor;

  it('writes NDJSON and RFC 4180 CSV per entity, named by the cursor range, then moves the checkpoint', async () => {
    const out = join(dir, 'erp');
    const outcome = await runner('erp', { type: 'file', dir: out, entities: ['invoice', 'order', 'widget'], pageSize: 50 }).run('erp');
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome.error));
    const head = all[all.length - 1]?.seq as number;
    const range = `${pad(1)}-${pad(head)}`;
    assert.deepEqual(
      finalFiles(out),
      ['invoice', 'order', 'widget'].flatMap((e) => [`${e}.${range}.csv`, `${e}.${range}.ndjson`]),
    );
    assert.deepEqual(tempFiles(out), []);

    for (const entity of ['invoice', 'order', 'widget']) {
      const expected = all.filter((c) => c.entity === entity);
      assert.ok(expected.length > 0, entity);
      const lines = readFileSync(join(out, `${entity}.${range}.ndjson`), 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the last line ends with a newline');
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        parsed.map((p) => [p.cursor, p.kind, p.key, p.data]),
        expected.map((c) => [String(c.seq), c.kind, c.key, c.data]),
      );

      const [header, ...rows] = parseCsv(readFileSync(join(out, `${entity}.${range}.csv`), 'utf8'));
      assert.deepEqual(header?.slice(0, 4), ['cursor', 'kind', 'source', 'key']);
      const fields = header?.slice(4) ?? [];
      assert.deepEqual(new Set(fields), new Set(expected.flatMap((c) => Object.keys(c.data))), 'a column per data field');
      assert.equal(rows.length, expected.length);
      rows.forEach((row, i) => {
        const c = expected[i] as Change;
        assert.deepEqual(row, [String(c.seq), c.kind, c.source, c.key, ...fields.map((f) => expectedCell(c.data[f]))]);
      });
    }
    const invoiceNested = all.find((c) => c.entity === 'invoice' && Object.values(c.data).some((v) => typeof v === 'object' && v !== null));
    assert.ok(invoiceNested, 'invoices carry nested values, written as JSON text');
    const widgetCsv = readFileSync(join(out, `widget.${range}.csv`), 'utf8');
    assert.ok(widgetCsv.includes('"Acme, ""Big""\r\nCo"'), 'quotes doubled, the field quoted');
    assert.equal(await checkpointOf('erp'), head);

    const again = await runner('erp', { type: 'file', dir: out, entities: ['invoice', 'order', 'widget'] }).run('erp');
    assert.deepEqual([again.status, again.delivered], ['ok', 0]);
    assert.equal(finalFiles(out).length, 6, 'a run with nothing new writes no file');
  });

  it('a run that cannot place every file removes those it placed and keeps the checkpoint; the next run completes', async () => {
    const out = join(dir, 'blocked');
    const head = all[all.length - 1]?.seq as number;
    const range = `${pad(1)}-${pad(head)}`;
    // A folder where the widget CSV must go: its rename fails after the invoice and order files are in place.
    mkdirSync(join(out, `widget.${range}.csv`), { recursive: true });
    const raw = { type: 'file', dir: out, entities: ['invoice', 'order', 'widget'] };
    const failed = await runner('blocked', raw).run('blocked');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'CONNECTOR_EXPORT_FAILED');
    assert.deepEqual(finalFiles(out), [`widget.${range}.csv`], 'no file of the failed run is left');
    assert.deepEqual(tempFiles(out), []);
    assert.equal(await checkpointOf('blocked'), 0);

    rmSync(join(out, `widget.${range}.csv`), { recursive: true });
    const ok = await runner('blocked', raw).run('blocked');
    assert.equal(ok.status, 'ok');
    assert.equal(finalFiles(out).length, 6);
    assert.equal(await checkpointOf('blocked'), head);
  });

  it('a process killed with SIGKILL mid-export leaves no final file and no checkpoint move; the next run cleans up and completes', async () => {
    const dbFile = join(dir, 'kill.db');
    const big = await openDb(dbFile);
    await mixChanges(big, 3000, 5);
    const head = await feedOn(big).head();
    const invoices = (await feedOn(big).read('0', { limit: 100_000, entities: ['invoice'] })).changes.length;
    await big.destroy();
    const out = join(dir, 'kill-out');
    mkdirSync(out);
    const configFile = join(dir, 'kill.yaml');
    writeFileSync(
      configFile,
      stringify({
        environment: 'test',
        log: { level: 'warn' },
        db: { client: 'sqlite', filename: dbFile },
        sources: {},
        connectors: { erp: { type: 'file', dir: out, entities: ['invoice', 'order'], pageSize: 2 } },
      }),
    );

    const child = spawn(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        join(ROOT, 'test', 'helpers', 'cli-entry.ts'),
        '--config',
        configFile,
        'connectors',
        'run',
        'erp',
        '--no-progress',
      ],
      {
        cwd: ROOT,
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let sawTemp = false;
    for (let i = 0; i < 6000 && !sawTemp; i++) {
      sawTemp = tempFiles(out).length > 0;
      if (!sawTemp) await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.ok(sawTemp, 'the export had started writing');
    assert.deepEqual(finalFiles(out), [], 'no file under a final name');
    assert.ok(tempFiles(out).length > 0, 'the killed run left its temp file');
    const killedAt = await openDb(dbFile);
    assert.equal(await checkpointOfDb(killedAt), 0);
    await killedAt.destroy();

    const rerun = await runCli(['--config', configFile, 'connectors', 'run', 'erp', '--no-progress']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(tempFiles(out), [], 'the next run removed the dead run’s temp files');
    const range = `${pad(1)}-${pad(head)}`;
    assert.deepEqual(finalFiles(out), [`invoice.${range}.csv`, `invoice.${range}.ndjson`, `order.${range}.csv`, `order.${range}.ndjson`]);
    assert.equal(
      readFileSync(join(out, `invoice.${range}.ndjson`), 'utf8')
        .trim()
        .split('\n').length,
      invoices,
    );
    const done = await openDb(dbFile);
    assert.equal(await checkpointOfDb(done), head);
    await done.destroy();

    const list = await runCli(['--config', configFile, 'connectors', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const [row] = JSON.parse(list.stdout) as Record<string, unknown>[];
    assert.deepEqual([row?.name, row?.type, row?.checkpoint, row?.head, row?.behind], ['erp', 'file', head, head, 0]);
  });
});

async function checkpointOfDb(db: Knex): Promise<number> {
  return (await feedOn(db).readFor(consumerNameOf('erp'), { limit: 1 })).consumer.cursor;
}
