import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfigFile } from '@weiche/config';
import { buildApp, createHubDeps, createLogger, type HubDeps } from '@weiche/hub';
import { dropSchema, REPO_ROOT, tempDir } from '../support/env.js';
import { exposedSeries, parsePromQL, seriesOf, type Selector } from '../support/promql.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';

// deploy/prometheus/alerts.yml and deploy/grafana/*.json are what an operator loads into Prometheus
// and Grafana. Each is parsed, each PromQL expression is parsed with Prometheus's grammar, and each
// metric (and label) it selects must be one a started hub exports on GET /metrics — so a renamed
// metric breaks this test instead of silently muting an alert.
const ALERTS_FILE = join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yml');
const PROMETHEUS_FILE = join(REPO_ROOT, 'deploy', 'prometheus', 'prometheus.yml');
const DASHBOARD_FILE = join(REPO_ROOT, 'deploy', 'grafana', 'weiche-dashboard.json');

// Metrics the rules use that the hub on main does not export yet, each with the work that adds it.
// Keep this short: the last test fails once an entry is exported, so it is removed then.
const PENDING: ReadonlyArray<{ name: string; type: string; labels: string[]; by: string }> = [
];
// Series Prometheus itself adds to every scrape target, not the hub.
const PROMETHEUS_OWN = new Map([['up', new Set(['job', 'instance'])]]);

const Duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as 5m or 1h30m');
const AlertRule = z.strictObject({
  alert: z.string().regex(/^Weiche[A-Z]\w+$/),
  expr: z.string().min(1),
  for: Duration.optional(),
  keep_firing_for: Duration.optional(),
  labels: z.strictObject({ severity: z.enum(['critical', 'warning']) }),
  annotations: z.strictObject({ summary: z.string().min(10), description: z.string().min(20), runbook_url: z.string().url().optional() }),
});
const RuleFile = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string().min(1), interval: Duration.optional(), rules: z.array(AlertRule).min(1) })).min(1),
});

interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string }; definition?: string }> };
}

const rules = RuleFile.parse(parse(readFileSync(ALERTS_FILE, 'utf8'))).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const variables = dashboard.templating.list.map((v) => v.name);

/** A dashboard query as Prometheus receives it: Grafana's range variables become a duration, `$var` a regex. */
function asSent(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$\{?(\w+)\}?/g, (whole, name: string) => (variables.includes(name) ? '.*' : whole));
}

/** Every expression to check, named for the failure message. */
const expressions: Array<[string, string]> = [
  ...rules.map((r): [string, string] => [`alert ${r.alert}`, r.expr]),
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t): [string, string] => [`panel "${p.title}" ${t.refId}`, asSent(t.expr)])),
  // label_values(metric, label) of a dashboard variable selects `metric`
  ...dashboard.templating.list.flatMap((v): Array<[string, string]> => {
    const query = typeof v.query === 'string' ? v.query : v.query?.query;
    const call = v.type === 'query' ? /^label_values\((.+),\s*(\w+)\)$/.exec(query ?? '') : null;
    return call?.[1] ? [[`variable ${v.name}`, call[1]]] : [];
  }),
];

/** Problems of one expression against the series a hub exports: syntax, unknown metrics, unknown labels. */
function problemsOf(expr: string, exported: ReadonlyMap<string, Set<string> | undefined>): string[] {
  const { errors, selectors } = parsePromQL(expr);
  const unknown = (s: Selector): string[] => {
    if (!exported.has(s.metric)) return [`unknown metric ${s.metric}`];
    const labels = exported.get(s.metric);
    // a family without samples in the scrape shows no labels: nothing to compare with
    return labels ? s.labels.filter((l) => !labels.has(l)).map((l) => `${s.metric} has no label "${l}"`) : [];
  };
  return [...errors.map((e) => `syntax error ${e}`), ...(selectors.length === 0 ? ['selects no metric'] : []), ...selectors.flatMap(unknown)];
}

describe('Prometheus alert rules and Grafana dashboard', () => {
  let cfg: TestHubConfig;
  let deps: HubDeps;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let scraped: Map<string, Set<string> | undefined>;
  let exported: Map<string, Set<string> | undefined>;

  beforeAll(async () => {
    // a hub with a tenant and an adapter instance, so the labelled gauges have samples to show their labels
    cfg = await writeTestConfig(await tempDir('monitoring'));
    deps = await createHubDeps(loadConfigFile(cfg.file, {}), createLogger({ level: 'silent' }));
    app = await buildApp(deps);
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    scraped = exposedSeries(response.body);
    exported = new Map(scraped);
    for (const family of PENDING) for (const [name, labels] of seriesOf(family)) exported.set(name, labels);
    for (const [name, labels] of PROMETHEUS_OWN) exported.set(name, labels);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await deps?.close();
    if (cfg) await dropSchema(cfg.schema);
  });

  it('has alerts for each condition operators asked for, with unique names', () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    const watched = (metric: string): string[] => rules.filter((r) => parsePromQL(r.expr).selectors.some((s) => s.metric === metric)).map((r) => r.alert);
    expect(watched('weiche_dead_letters'), 'dead letters growing').not.toEqual([]);
    expect(watched('weiche_circuit_state'), 'circuit open').not.toEqual([]);
    expect(watched('weiche_queue_oldest_waiting_seconds'), 'backlog age').not.toEqual([]);
    expect(watched('weiche_ready'), 'readiness').not.toEqual([]);
    expect(watched('weiche_key_expiry_seconds'), 'key expiring').not.toEqual([]);
    expect(watched('weiche_key_unreadable'), 'key unreadable (no expiry series)').not.toEqual([]);
    expect(watched('up'), 'hub not scrapeable').not.toEqual([]);
    expect(watched('weiche_upstream_oldest_unacknowledged_seconds'), 'upstream pickups ageing').not.toEqual([]);
    expect(watched('weiche_upstream_poll_failing'), 'upstream polls failing').not.toEqual([]);
    expect(watched('weiche_relay_oldest_waiting_seconds'), 'relay submissions not picked up (FIT-Connect reminds after 3 and 9 days)').not.toEqual([]);
    // certificate/key expiry within 30 days
    expect(rules.filter((r) => /weiche_key_expiry_seconds\)? < 30 \* 86400/.test(r.expr)).map((r) => r.labels.severity)).toEqual(['warning']);
  });

  it('alerts on relay submissions at 3/14 and 9/14 of the retention the hub exports, so a shorter retention warns before expiry', async () => {
    // FIT-Connect reminds after 3 and 9 of its 14 days; fixed 3 and 9 days would never fire with a retention of a week
    const relayRules = rules.filter((r) => parsePromQL(r.expr).selectors.some((s) => s.metric === 'weiche_relay_oldest_waiting_seconds'));
    const shareOf = (expr: string): number => {
      const share = /> on \(\) group_left \(\) \((\d+) \/ 14 \* max\(weiche_relay_retention_seconds\)\)$/.exec(expr);
      expect(share, expr).not.toBeNull();
      return Number(share?.[1]) / 14;
    };
    expect(relayRules.map((r) => [r.alert, r.labels.severity, shareOf(r.expr)])).toEqual([
      ['WeicheRelayNotPickedUp', 'warning', 3 / 14],
      ['WeicheRelayNearlyExpired', 'critical', 9 / 14],
    ]);
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(body).toMatch(new RegExp(`^weiche_relay_retention_seconds ${deps.config.processing.relayRetentionMs / 1000}$`, 'm'));
  });

  it('parses every expression and selects only metrics and labels the hub exports', () => {
    expect(expressions.length).toBeGreaterThan(30);
    const problems = expressions.flatMap(([where, expr]) => problemsOf(expr, exported).map((p) => `${where}: ${p} in ${expr}`));
    expect(problems).toEqual([]);
  });

  it('would catch a broken expression, a misspelt metric and a wrong label', () => {
    expect(problemsOf('max by (tenant) (delta(weiche_dead_letters[30m]) > 0', exported)[0]).toMatch(/^syntax error/);
    expect(problemsOf('max by (adapter) (weiche_circuit_states) == 2', exported)).toEqual(['unknown metric weiche_circuit_states']);
    expect(problemsOf('weiche_circuit_state{adapter_instance="dms"} == 2', exported)).toEqual(['weiche_circuit_state has no label "adapter_instance"']);
    expect(problemsOf('weiche_dead_letters{tenant="testhausen"}', exported)).toEqual([]);
  });

  it('takes max, not sum, over instances of the counters every admin-serving process reads from the same journal', () => {
    // two gateways each count every journal record: a sum would show twice the traffic (docs/scale-out.md, "Metrics of replicas")
    const hubWide = /weiche_(journal_records_total|delivery_attempts_total)\b/;
    const summed = expressions.filter(([, expr]) => hubWide.test(expr) && /\bsum\b/.test(expr)).map(([name]) => name);
    expect(summed).toEqual([]);
  });

  it('is a dashboard Grafana imports: unique panel ids, a datasource variable, panels on the 24-column grid', () => {
    expect(dashboard).toMatchObject({ uid: 'weiche-overview', title: expect.any(String), schemaVersion: expect.any(Number) });
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  it('is loaded by the example Prometheus config, which scrapes the job the rules name', () => {
    const config = parse(readFileSync(PROMETHEUS_FILE, 'utf8')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string; metrics_path?: string }> };
    expect(config.rule_files).toContain('alerts.yml');
    const jobs = rules.flatMap((r) => [...r.expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1]));
    for (const job of jobs) expect(config.scrape_configs.map((s) => s.job_name)).toContain(job);
  });

  it('exports readiness as the alert reads it: 1 while ready, 0 with the failing check named', async () => {
    const scrape = async (): Promise<string> => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(await scrape()).toMatch(/^weiche_ready 1$/m);
    // the blob store cannot write (its tmp folder is a file): not ready, and the check says which
    const blobTmp = join(cfg.dir, 'data', 'blobs', 'tmp');
    await rm(blobTmp, { recursive: true, force: true });
    await writeFile(blobTmp, 'not a folder');
    const broken = await scrape();
    expect(broken).toMatch(/^weiche_ready 0$/m);
    expect(broken).toMatch(/^weiche_readiness_check\{check="blobstore"\} 0$/m);
    expect(broken).toMatch(/^weiche_readiness_check\{check="redis"\} 1$/m);
    await rm(blobTmp);
    expect(await scrape()).toMatch(/^weiche_ready 1$/m);
  });

  it('lists as pending only metrics the hub does not export yet (remove an entry once it is)', () => {
    expect(PENDING.filter((family) => [...seriesOf(family).keys()].some((name) => scraped.has(name))).map((f) => f.name)).toEqual([]);
  });
});
