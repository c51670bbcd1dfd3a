import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertRules, labelsOf, type AlertRule } from '../support/alert-rules.js';
import { runTool, type ToolResult } from '../support/cli-tool.js';
import { REPO_ROOT, tempDir, waitUntil } from '../support/env.js';
import { inhibits, problemsOf, selected, thresholdPairs, type InhibitRule } from '../support/inhibit-rules.js';
import { startOnFreePort, type ServerOnPort } from '../support/server-on-port.js';
import { stopProcess } from '../support/stop-process.js';

// The example Alertmanager config (deploy/alertmanager/alertmanager.yml) checked with Alertmanager's own tools from
// Debian's prometheus-alertmanager (0.25, which npm test installs): `amtool check-config`, `amtool config routes test`
// for the receiver each alert of deploy/prometheus/alerts.yml reaches, the inhibit rules against the alerts' labels,
// and — amtool has no command that tests inhibition — the package's Alertmanager started on a free port, sent the
// alerts of each inhibited pair, and asked through its API which of them it holds back.
const AMTOOL = process.env.AMTOOL_PATH ?? '/usr/bin/amtool';
const ALERTMANAGER = process.env.ALERTMANAGER_PATH ?? '/usr/bin/prometheus-alertmanager';
const INSTALL = "install Debian's package (npm test installs it: apt-get install prometheus-alertmanager) or set AMTOOL_PATH / ALERTMANAGER_PATH";
const CONFIG = join(REPO_ROOT, 'deploy', 'alertmanager', 'alertmanager.yml');
const RULES = alertRules(join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yml'));
/** Where each severity of alerts.yml is meant to go: critical pages, warning is for the working day. */
const RECEIVER_OF: Record<string, string> = { critical: 'weiche-pager', warning: 'weiche-operators' };

interface AlertmanagerConfig {
  route: { receiver: string; group_by: string[] };
  inhibit_rules: InhibitRule[];
  receivers: Array<{ name: string }>;
}
const config = parse(readFileSync(CONFIG, 'utf8')) as AlertmanagerConfig;
const amtool = (...args: string[]): Promise<ToolResult> => runTool(AMTOOL, INSTALL, args);
const byName = (alertname: string): AlertRule => {
  const rule = RULES.find((r) => r.alertname === alertname);
  if (!rule) throw new Error(`no alert ${alertname} in alerts.yml`);
  return rule;
};
const sampleLabels = (rule: AlertRule): Record<string, string> => labelsOf(rule, 'x');

describe('Alertmanager config checked by amtool', () => {
  it('passes `amtool check-config`', async () => {
    const result = await amtool('check-config', CONFIG);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.output).toMatch(new RegExp(`${config.inhibit_rules.length} inhibit rules`));
  });

  it('routes every alert of alerts.yml to the receiver of its severity (`amtool config routes test`)', async () => {
    expect(new Set(RULES.map((r) => r.severity))).toEqual(new Set(Object.keys(RECEIVER_OF)));
    expect(config.receivers.map((r) => r.name).sort()).toEqual(Object.values(RECEIVER_OF).sort());
    const reached = await Promise.all(
      RULES.map(async (rule) => {
        const labels = Object.entries(sampleLabels(rule)).map(([name, value]) => `${name}=${value}`);
        const result = await amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, `--verify.receivers=${RECEIVER_OF[rule.severity] ?? '?'}`, ...labels);
        return `${rule.alertname} (${rule.severity}) → ${result.code === 0 ? result.output.split('\n')[0] : `mismatch: ${result.output.trim()}`}`;
      }),
    );
    expect(reached).toEqual(RULES.map((rule) => `${rule.alertname} (${rule.severity}) → ${RECEIVER_OF[rule.severity]}`));
    // an alert without a severity still reaches someone
    const unlabelled = await amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, 'alertname=Other');
    expect(unlabelled.output.split('\n')[0]).toBe(config.route.receiver);
  });

  it('groups by alertname and every label an alert is told apart by', () => {
    const identifying = new Set(RULES.flatMap((r) => r.identifying.filter((label) => label !== 'job')));
    expect(config.route.group_by).toEqual(expect.arrayContaining(['alertname', ...identifying]));
  });

  it('has only inhibit rules that silence a warning by its critical alert with labels both carry', () => {
    expect(config.inhibit_rules.flatMap((rule) => problemsOf(rule, RULES, sampleLabels))).toEqual([]);
  });

  it('silences the warning of every warning/critical pair of alerts.yml by its critical alert', () => {
    const pairs = thresholdPairs(RULES);
    const names = pairs.map((p) => `${p.critical.alertname}/${p.warning.alertname}`);
    // the pairs are derived from the rules; these three must be among them, or the derivation has gone blind
    expect(names).toEqual(expect.arrayContaining(['WeicheBacklogStalled/WeicheBacklogAgeing', 'WeicheKeyExpiringSoon/WeicheKeyExpiring', 'WeicheRelayNearlyExpired/WeicheRelayNotPickedUp']));
    expect(names.filter((_, i) => !inhibits(config.inhibit_rules, pairs[i]!.critical, pairs[i]!.warning, sampleLabels))).toEqual([]);
  });

  it("is what docker compose's monitoring profile runs, and where the example Prometheus sends its alerts", () => {
    interface Service {
      profiles?: string[];
      command?: string[];
      volumes?: string[];
      ports?: string[];
    }
    const compose = parse(readFileSync(join(REPO_ROOT, 'deploy', 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
    const alertmanager = compose.services.alertmanager;
    expect(alertmanager?.profiles).toEqual(compose.services.prometheus?.profiles);
    const mounted = alertmanager?.volumes?.find((v) => v.startsWith('./alertmanager:'))?.split(':')[1];
    expect(alertmanager?.command).toContain(`--config.file=${mounted ?? '?'}/alertmanager.yml`);
    const prometheus = parse(readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    const port = alertmanager?.ports?.[0]?.split(':').at(-1);
    expect(prometheus.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets))).toEqual([`alertmanager:${port ?? '?'}`]);
  });

  it('would catch an inhibit rule equal on a label its alerts lack, and one by severity alone', () => {
    const wrongLabel: InhibitRule = { source_matchers: ['alertname="WeicheBacklogStalled"'], target_matchers: ['alertname="WeicheBacklogAgeing"'], equal: ['upstream'] };
    expect(problemsOf(wrongLabel, RULES, sampleLabels)).toEqual([
      'alertname="WeicheBacklogStalled" → alertname="WeicheBacklogAgeing": equal label upstream is not on WeicheBacklogStalled',
      'alertname="WeicheBacklogStalled" → alertname="WeicheBacklogAgeing": equal label upstream is not on WeicheBacklogAgeing',
    ]);
    expect(inhibits([wrongLabel], byName('WeicheBacklogStalled'), byName('WeicheBacklogAgeing'), sampleLabels)).toBe(false);
    const bySeverity: InhibitRule = { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['queue'] };
    expect(problemsOf(bySeverity, RULES, sampleLabels).filter((p) => p.includes('WeicheDown'))).toEqual(['severity="critical" → severity="warning": equal label queue is not on WeicheDown']);
  });
});

interface ApiAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

describe('Alertmanager with this config, inhibiting', () => {
  let server: ServerOnPort | undefined;
  const api = (): string => `http://127.0.0.1:${server?.port ?? 0}/api/v2`;

  beforeAll(async () => {
    const storage = await tempDir('alertmanager');
    server = await startOnFreePort({
      name: 'alertmanager',
      // no cluster listener: it would want a second port, and one Alertmanager needs no peers
      spawn: (port) =>
        spawn(ALERTMANAGER, [`--config.file=${CONFIG}`, `--storage.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      listening: (port) => new RegExp(`msg="Listening on" address=127\\.0\\.0\\.1:${port}\\b`),
      portInUse: /address already in use/,
    });
  }, 30_000);
  afterAll(() => stopProcess(server?.child));

  it('holds back each inhibit rule\'s warning while its critical alert fires for the same labels, and only then', async () => {
    // per rule: the critical alert and its warning for the same thing ("same"), and the warning for another ("other")
    const sent = config.inhibit_rules.flatMap((rule, i) => {
      const [source] = selected(rule.source_matchers, RULES, sampleLabels);
      const [target] = selected(rule.target_matchers, RULES, sampleLabels);
      if (!source || !target) throw new Error(`inhibit rule ${i} selects no alert of alerts.yml`);
      return [labelsOf(source, `same-${i}`), labelsOf(target, `same-${i}`), labelsOf(target, `other-${i}`)];
    });
    const posted = await fetch(`${api()}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent.map((labels) => ({ labels }))) });
    expect(posted.status, await posted.text()).toBe(200);
    const key = (labels: Record<string, string>): string => `${labels.alertname} ${Object.values(labels).find((v) => /^(same|other)-/.test(v)) ?? ''}`;
    const states = await waitUntil(
      'every warning whose critical alert fires for the same labels to be suppressed',
      async () => ((await (await fetch(`${api()}/alerts`)).json()) as ApiAlert[]).map((a) => [key(a.labels), a.status.state, a.status.inhibitedBy.length > 0] as const),
      (seen) => seen.length === sent.length && seen.filter(([, state]) => state === 'suppressed').length >= config.inhibit_rules.length,
      { timeoutMs: 20_000 },
    );
    // the warning for the same thing is inhibited; the critical alert and the warning for another thing are not
    expect(new Map(states.map(([name, state, inhibited]) => [name, `${state}${inhibited ? ' (inhibited)' : ''}`]))).toEqual(
      new Map(sent.map((labels) => [key(labels), labels.severity === 'warning' && key(labels).includes(' same-') ? 'suppressed (inhibited)' : 'active'])),
    );
  }, 40_000);
});
