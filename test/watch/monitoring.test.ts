import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createMetrics, registerLoadBalancerMetrics, registerReadiness } from '../../src/watch/metrics.js';
import { requiredTool } from '../helpers/required-tool.js';
import { startTestDaemon } from './daemon-helpers.js';

/**
 * examples/monitoring (issue 18): the alert rules pass `promtool check rules` and their unit tests
 * (`promtool test rules`, one test group per alert); the Grafana dashboard is provisionable JSON whose
 * every query names metrics lvsync exports; docs/daemon.md lists every metric.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = `${root}examples/monitoring/`;
const promtool = requiredTool('/usr/bin/promtool', 'apt-get install -y --no-install-recommends prometheus');

/** every metric family /metrics serves, by name */
function exportedNames(): Set<string> {
  const m = createMetrics({ defaultMetrics: false });
  registerReadiness(m.registry, () => true);
  registerLoadBalancerMetrics(m.registry, async () => new Map());
  return new Set(m.registry.getMetricsAsArray().map((x) => x.name));
}

/** lvsync metric names an expression uses, with a histogram's series suffixes taken off */
function metricsIn(expr: string, names: ReadonlySet<string>): string[] {
  return [...expr.matchAll(/\blvsync_[a-z_]+/g)].map(([n]) => (names.has(n) ? n : n.replace(/_(bucket|sum|count)$/, '')));
}

function promtoolRun(args: string[]): { status: number | null; out: string } {
  assert.equal(promtool.missing, null, promtool.missing ?? '');
  const r = spawnSync(promtool.path, args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('the alert rules pass promtool check rules', { skip: promtool.skip }, () => {
  const r = promtoolRun(['check', 'rules', 'lvsync-alerts.yml']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /SUCCESS: 9 rules found/);
});

test('the alert rules pass their promtool unit tests', { skip: promtool.skip }, () => {
  const r = promtoolRun(['test', 'rules', 'lvsync-alerts.test.yml']);
  assert.equal(r.status, 0, r.out);
});

test('a scrape of a daemon with services and real servers passes promtool check metrics', { skip: promtool.skip }, async () => {
  const t = await startTestDaemon();
  try {
    const body = await t.daemon.metrics.registry.metrics();
    assert.match(body, /^lvsync_real_server_connections_total\{/m);
    assert.equal(promtool.missing, null, promtool.missing ?? '');
    const r = spawnSync(promtool.path, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
  } finally {
    await t.stop();
  }
});

test('every alert has a unit test that fires it, a description and a severity; every metric it uses exists', () => {
  const rules = readFileSync(`${dir}lvsync-alerts.yml`, 'utf8');
  const tests = readFileSync(`${dir}lvsync-alerts.test.yml`, 'utf8');
  const names = exportedNames();
  const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(alerts, ['LvsyncNotReady', 'LvsyncNoSuccessfulPass', 'LvsyncDriftPersisting', 'LvsyncServiceNoHealthyRealServer',
    'LvsyncServiceFailingOpen', 'LvsyncDrainTimedOut', 'LvsyncConfigInvalid', 'LvsyncVrrpInstanceNotReady', 'LvsyncAnycastVipWithdrawn']);
  const blocks = rules.split(/^\s+- alert: /m).slice(1);
  for (const [i, block] of blocks.entries()) {
    assert.match(block, /^\s+description: >-\n\s+\S/m, alerts[i]);
    assert.match(block, /^\s+severity: (warning|critical)$/m, alerts[i]);
    const expr = /^\s+expr: (.*)$/m.exec(block)?.[1] ?? '';
    for (const n of metricsIn(expr, names)) assert.ok(names.has(n), `${alerts[i]} uses ${n}, which lvsync does not export`);
    // fired in a test: an alert_rule_test of it with a non-empty exp_alerts
    assert.match(tests, new RegExp(`alertname: ${alerts[i]}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`), `${alerts[i]} is never fired in lvsync-alerts.test.yml`);
  }
});

interface Panel { id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; targets?: { refId: string; expr: string; datasource?: { uid: string } }[]; datasource?: { uid: string } }

test('the Grafana dashboard: provisionable JSON whose every query names metrics lvsync exports, covering what the issue lists', () => {
  const dash = JSON.parse(readFileSync(`${dir}lvsync-dashboard.json`, 'utf8')) as {
    uid: string; title: string; schemaVersion: number; id?: unknown; panels: Panel[];
    templating: { list: { name: string; type: string; query: string | { query: string } }[] };
  };
  assert.equal(dash.uid, 'lvsync');
  assert.equal(dash.id, undefined, 'a provisioned dashboard carries no database id');
  assert.ok(dash.schemaVersion >= 36);
  const names = exportedNames();
  const ids = dash.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const vars = dash.templating.list.map((v) => v.name);
  assert.deepEqual(vars, ['datasource', 'instance', 'service']);
  const used = new Set<string>();
  for (const v of dash.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    for (const n of metricsIn(q, names)) { assert.ok(names.has(n), `variable ${v.name} uses ${n}`); used.add(n); }
  }
  for (const p of dash.panels) {
    assert.ok(p.gridPos.w > 0 && p.gridPos.w <= 24 && p.gridPos.x + p.gridPos.w <= 24, p.title);
    if (p.type === 'row') continue;
    assert.equal(p.datasource?.uid, '${datasource}', `${p.title}: the data source is the dashboard's variable`);
    assert.ok(p.targets && p.targets.length > 0, `${p.title} has no query`);
    for (const t of p.targets) {
      const ms = metricsIn(t.expr, names);
      assert.ok(ms.length > 0, `${p.title}: ${t.expr}`);
      for (const n of ms) { assert.ok(names.has(n), `${p.title} uses ${n}, which lvsync does not export`); used.add(n); }
      assert.equal(t.datasource?.uid, '${datasource}', p.title);
    }
  }
  // what issue 18 asks the dashboard to show
  for (const n of ['lvsync_passes_total', 'lvsync_pass_duration_seconds', 'lvsync_drift_current', 'lvsync_drift_events_total',
    'lvsync_service_active_connections', 'lvsync_service_connections_total', 'lvsync_service_bytes_total', 'lvsync_service_real_servers',
    'lvsync_real_server_weight', 'lvsync_real_server_declared_weight', 'lvsync_drains_in_progress', 'lvsync_drains_finished_total', 'lvsync_vrrp_ready']) {
    assert.ok(used.has(n), `the dashboard shows nothing of ${n}`);
  }
});

test('docs/daemon.md lists every metric lvsync exports', () => {
  const doc = readFileSync(`${root}docs/daemon.md`, 'utf8');
  for (const n of exportedNames()) assert.match(doc, new RegExp(`\`${n}[{\`]`), `${n} is missing from the metrics table in docs/daemon.md`);
});
