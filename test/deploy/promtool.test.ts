import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runTool, type ToolResult } from '../support/cli-tool.js';
import { REPO_ROOT, tempDir } from '../support/env.js';

// Prometheus's own tool checks what an operator loads: `promtool check rules` on every rules file under deploy/,
// `promtool check config` on the example config, and `promtool test rules` on deploy/prometheus/alerts.test.yml,
// which shows every alert firing after its `for` and not before. Debian's promtool (package prometheus, which npm
// test installs) is 2.x; the rules use nothing 3.x reads differently.
const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
const PROMETHEUS_DIR = join(REPO_ROOT, 'deploy', 'prometheus');
const UNIT_TESTS = join(PROMETHEUS_DIR, 'alerts.test.yml');
/** The unit test of alerts.test.yml in which one stuck XTA entry must raise WeicheUpstreamPollFailing only. */
const ONE_CAUSE = 'one XTA entry that cannot be taken in is one cause and raises one alert';

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface UnitTestFile {
  rule_files: string[];
  tests: Array<{ name: string; alert_rule_test?: AlertTest[] }>;
}

/** promtool's exit code and output; a failing check is a result, not an exception. */
const promtool = (...args: string[]): Promise<ToolResult> =>
  runTool(PROMTOOL, "install Debian's package (npm test installs it: apt-get install prometheus) or set PROMTOOL_PATH", args);

/** YAML files under deploy/ that hold Prometheus rule groups (whatever they are named). */
function ruleFiles(dir = join(REPO_ROOT, 'deploy')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ruleFiles(path);
    if (!/\.ya?ml$/.test(entry.name)) return [];
    // Kubernetes manifests hold several documents; a rules file is one document with `groups`
    const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as unknown);
    return docs.some((doc) => typeof doc === 'object' && doc !== null && Array.isArray((doc as { groups?: unknown }).groups)) ? [path] : [];
  });
}

const alertNames = (file: string): string[] =>
  (parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));

describe('Prometheus rules checked by promtool', () => {
  it('passes `promtool check rules` for every rules file under deploy/', async () => {
    const files = ruleFiles();
    expect(files.map((f) => relative(REPO_ROOT, f))).toContain('deploy/prometheus/alerts.yml');
    const result = await promtool('check', 'rules', ...files);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.code, result.output).toBe(0);
  });

  it('passes `promtool check config` for the example config (syntax; its token file exists only where it runs)', async () => {
    const result = await promtool('check', 'config', '--syntax-only', join(PROMETHEUS_DIR, 'prometheus.yml'));
    expect(result.code, result.output).toBe(0);
  });

  it('passes `promtool test rules`: every alert fires after its `for` and not before', async () => {
    const result = await promtool('test', 'rules', UNIT_TESTS);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
  });

  it('has unit tests for every alert, each with a time it fires and a time it does not', () => {
    const unit = parse(readFileSync(UNIT_TESTS, 'utf8')) as UnitTestFile;
    expect(unit.rule_files).toEqual(['alerts.yml']);
    const checks = unit.tests.flatMap((t) => t.alert_rule_test ?? []);
    const lacking = alertNames(join(PROMETHEUS_DIR, 'alerts.yml')).flatMap((alert) => {
      const mine = checks.filter((c) => c.alertname === alert);
      return [
        ...(mine.some((c) => (c.exp_alerts ?? []).length > 0) ? [] : [`${alert}: no test where it fires`]),
        ...(mine.some((c) => (c.exp_alerts ?? []).length === 0) ? [] : [`${alert}: no test where it keeps quiet`]),
      ];
    });
    expect(lacking).toEqual([]);
  });

  it('would catch an alert that fires where the unit tests say it must not (one XTA entry stuck, two alerts)', async () => {
    // the same tests against the rules as they were: entries left in the box alerted beside the failing polls
    const dir = await tempDir('promtool');
    const rules = parse(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
    const entriesLeft = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'WeicheUpstreamEntriesLeftInBox');
    expect(entriesLeft?.expr).toMatch(/ unless on \(upstream\) /);
    if (entriesLeft) entriesLeft.expr = 'max by (upstream) (weiche_upstream_waiting_upstream) > 0';
    await writeFile(join(dir, 'alerts.yml'), stringify(rules));
    const unit = parse(readFileSync(UNIT_TESTS, 'utf8')) as UnitTestFile;
    unit.tests = unit.tests.filter((t) => t.name === ONE_CAUSE);
    expect(unit.tests).toHaveLength(1);
    await writeFile(join(dir, 'alerts.test.yml'), stringify(unit));
    const result = await promtool('test', 'rules', join(dir, 'alerts.test.yml'));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(new RegExp(`name: ${ONE_CAUSE},\\s+alertname: WeicheUpstreamEntriesLeftInBox`));
  });
});
