import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerNameOf } from '../../src/connectors/connector';
import { ConnectorRunner, type RunOutcome } from '../../src/connectors/connector-runner';
import { createConnector, createConnectors } from '../../src/connectors/create-connectors';
import type { FeedService } from '../../src/feed/feed-service';
import pino from 'pino';
import { logProgress } from '../../src/connectors/progress-reporter';
import { startTestServer, testConfig } from '../helpers/test-runtime';
import { engineHarness, type EngineHarness, type WidgetEvent } from '../helpers/worker-harness';
import { drain, feedOn, silentLogger, startDownstream, connectorDeps } from './connector-fixtures';

function widgets(from: number, count: number): WidgetEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    uuid: `e-${from + i}`,
    key: `w-${from + i}`,
    action: 'ADDED' as const,
    timestamp: from + i,
    name: `W${from + i}`,
    qty: i,
  }));
}

describe('connector runner: schedules, isolation, no overlap', function () {
  this.timeout(30_000);
  let harness: EngineHarness;
  let feed: FeedService;
  let dir: string;

  beforeEach(async () => {
    harness = await engineHarness({ batchSize: 50 });
    feed = feedOn(harness.db);
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-runner-'));
    await harness.accept(widgets(0, 10));
    await drain(harness.newWorker());
  });
  afterEach(async () => {
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const checkpointOf = async (name: string) => (await feed.readFor(consumerNameOf(name), { limit: 1 })).consumer.cursor;

  it('skips a run asked for while the same connector is running, and sends nothing twice', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const downstream = await startDownstream(async (r) => {
      if (r.n === 1) await held;
      return 200;
    });
    try {
      const config = testConfig({ connectors: { crm: { type: 'http', mode: 'record', url: `${downstream.url}/w/{key}` } } }).connectors;
      const runner = createConnectors(config, connectorDeps(harness.db, feed));
      const first = runner.run('crm');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(downstream.requests.length, 0, 'the first request is held by the downstream');
      const second = await runner.run('crm');
      assert.equal(second.status, 'skipped');
      release();
      const done = await first;
      assert.deepEqual([done.status, done.delivered], ['ok', 10]);
      const keys = downstream.requests.map((r) => r.headers['idempotency-key']);
      assert.equal(new Set(keys).size, 10, 'each change sent once');
      assert.equal((await runner.run('crm')).status, 'ok', 'once the first run is over, the next one runs');
    } finally {
      release();
      await downstream.close();
    }
  });

  it('a failing connector keeps failing on its own ticks without stopping another', async () => {
    const gone = await startDownstream(() => 200);
    const closedUrl = gone.url;
    await gone.close();
    const config = testConfig({
      connectors: {
        broken: { type: 'http', mode: 'batch', url: `${closedUrl}/ingest`, schedule: '* * * * * *', retry: { attempts: 1 } },
        files: { type: 'file', dir, schedule: '* * * * * *' },
        manual: { type: 'file', dir: join(dir, 'manual') },
      },
    }).connectors;
    const runner = createConnectors(config, connectorDeps(harness.db, feed));
    const brokenRuns = new Set<number>();
    const waitFor = async (what: string, ok: () => Promise<boolean>) => {
      for (let i = 0; i < 100; i++) {
        const b = runner.lastOutcome('broken');
        if (b) brokenRuns.add(b.finishedAt.getTime());
        if (await ok()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting for ${what}`);
    };
    runner.start();
    try {
      const head1 = await feed.head();
      await waitFor('the file connector to catch up', async () => (await checkpointOf('files')) === head1);
      await harness.accept(widgets(100, 5));
      await drain(harness.newWorker());
      const head2 = await feed.head();
      await waitFor('the next tick to export the new changes', async () => (await checkpointOf('files')) === head2 && brokenRuns.size >= 2);
    } finally {
      await runner.stop();
    }
    const broken = runner.lastOutcome('broken') as RunOutcome;
    assert.equal(broken.status, 'failed');
    assert.equal(broken.error?.code, 'CONNECTOR_DELIVERY_FAILED');
    assert.equal(await checkpointOf('broken'), 0);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.ndjson')).length, 2, 'two runs of the file connector, two files');
    assert.equal(runner.lastOutcome('manual'), undefined, 'a connector without a schedule runs only on demand');
    assert.equal((await runner.run('broken')).status, 'skipped', 'a stopped runner starts no run');
  });

  it('refuses an unknown connector by name', async () => {
    const runner = new ConnectorRunner([], silentLogger);
    await assert.rejects(runner.run('nope'), (err: { code?: string; message: string }) => err.code === 'CONNECTOR_NOT_FOUND');
    const one = createConnector(
      'x',
      testConfig({ connectors: { x: { type: 'file', dir } } }).connectors.x!,
      connectorDeps(harness.db, feed),
    );
    assert.equal(one.type, 'file');
  });
});

describe('runtime wiring: connectors scheduled by the service', function () {
  this.timeout(30_000);

  it('buildRuntime builds the configured connectors; started, they run on schedule; disabled ones are not scheduled', async () => {
    const out = mkdtempSync(join(tmpdir(), 'appdirect-sync-runtime-export-'));
    const server = await startTestServer({
      connectors: {
        erp: { type: 'file', dir: out, schedule: '* * * * * *' },
        idle: { type: 'file', dir: out, enabled: false, schedule: '* * * * * *' },
      },
    });
    const harness = await engineHarness({ batchSize: 50 }, server.runtime.db);
    try {
      await harness.accept(widgets(0, 3));
      await drain(harness.newWorker());
      assert.deepEqual(server.runtime.connectors.names(), ['erp', 'idle']);
      server.runtime.connectors.start();
      for (let i = 0; i < 50 && !server.runtime.connectors.lastOutcome('erp'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(server.runtime.connectors.lastOutcome('erp')?.status, 'ok');
      assert.equal(server.runtime.connectors.lastOutcome('idle'), undefined, 'a disabled connector is not scheduled');
      assert.equal(readdirSync(out).filter((f) => f.startsWith('widget.')).length, 2);
    } finally {
      await harness.close();
      await server.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('progress as log lines', () => {
  it('logs at most once per interval, and once at the end of a long run', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    let now = 0;
    const progress = logProgress(logger, 'erp', 10_000, () => now);
    progress.start(1000);
    for (let done = 100; done <= 1000; done += 100) {
      now += 3000;
      progress.update(done);
    }
    progress.stop();
    assert.deepEqual(
      lines.map((l) => [l.msg, l.done, l.total]),
      [
        ['connector progress', 400, 1000],
        ['connector progress', 800, 1000],
        ['connector progress', 1000, 1000],
      ],
    );
  });
});
