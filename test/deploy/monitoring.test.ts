import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/core/clock';
import { METRIC_NAMES, ServiceMetrics } from '../../src/metrics/service-metrics';

const ROOT = join(__dirname, '..', '..');
const ALERTS = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'appdirect-sync.json');

function promtool(file: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function havePromtool(): boolean {
  return spawnSync('promtool', ['--version']).error === undefined;
}

/** Every metric name the service's registry exports, histograms with their _bucket, _count and _sum series. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new ServiceMetrics(
    { snapshot: async () => ({ eventsByStatus: new Map(), changeLogHead: 0, consumers: [] }) },
    new FakeClock(),
  );
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    const type = String(m.type); // prom-client's MetricType enum holds these strings
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_count', '_sum']) names.add(m.name + s);
  }
  return names;
}

/** The metric names a PromQL expression reads: appdirect_sync_* and the default process_* / nodejs_* ones. */
function usedNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:appdirect_sync|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
}

describe('monitoring files in deploy/', () => {
  it('the alert rules pass promtool check rules, and a broken rule does not', function () {
    if (!havePromtool()) {
      // CI must never pass without having checked them (scripts/ensure-promtool.sh installs promtool there).
      if (process.env.CI === 'true') assert.fail('promtool is not installed (CI=true): run scripts/ensure-promtool.sh');
      console.warn('    promtool is not installed: skipping the alert rules check (scripts/ensure-promtool.sh installs it)');
      this.skip();
    }
    const ok = promtool(ALERTS);
    assert.equal(ok.status, 0, ok.output);
    const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-alerts-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(broken, readFileSync(ALERTS, 'utf8').replace('> 600', '> > 600'));
      assert.notEqual(promtool(broken).status, 0, 'promtool must refuse a rule that does not parse');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the dashboard parses, and the alerts and the dashboard use only metrics the service exports', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    assert.ok(exprs.length >= 8, 'a dashboard with its panels');
    const alerts = readFileSync(ALERTS, 'utf8');
    const exported = await exportedNames();
    const used = new Set([...exprs.flatMap(usedNames), ...usedNames(alerts)]);
    assert.ok(used.size >= 8);
    assert.deepEqual(
      [...used].filter((n) => !exported.has(n)),
      [],
      'metric names used in deploy/ that the service does not export',
    );
    for (const name of [
      'appdirect_sync_oldest_unprocessed_delivery_age_seconds',
      'appdirect_sync_consumer_lag_seconds',
      'appdirect_sync_connector_runs_total',
      'appdirect_sync_mapping_failures_total',
      'appdirect_sync_apply_lag_seconds_bucket',
    ]) {
      assert.ok(alerts.includes(name), `an alert on ${name}`);
    }
    const connectorAlert = alerts.slice(
      alerts.indexOf('alert: AppdirectSyncConnectorFailing'),
      alerts.indexOf('alert: AppdirectSyncConnectorStalled'),
    );
    assert.match(
      connectorAlert,
      /appdirect_sync_connector_runs_total\{status="failed"\}/,
      'the connector failing alert reads the connector metrics',
    );
    // A panel for each metric of the service (the process_* defaults aside).
    const onDashboard = new Set(exprs.flatMap(usedNames).map((n) => n.replace(/_(bucket|count|sum)$/, '')));
    for (const name of Object.values(METRIC_NAMES)) assert.ok(onDashboard.has(name), `a dashboard panel for ${name}`);
  });
});
