import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parsePromQL } from './promql.js';

/** An alert of a Prometheus rules file, with what the Alertmanager tests need to know of it. */
export interface AlertRule {
  readonly alertname: string;
  readonly severity: string;
  /**
   * The labels that tell its alerts apart: those of the leftmost `by (…)` — the rules aggregate with max/min by the
   * thing they are about, and binary operators keep the left side's labels — or, for an expression without one
   * (`up{job="weiche"} == 0`), the target labels every scraped series carries.
   */
  readonly identifying: readonly string[];
  /** The metrics its expression selects. */
  readonly metrics: readonly string[];
}

const TARGET_LABELS = ['instance', 'job'];

export function alertRules(file: string): AlertRule[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string; labels?: { severity?: string } }> }> };
  return doc.groups.flatMap((group) =>
    group.rules.flatMap((rule) => {
      if (!rule.alert) return [];
      const by = /\bby\s*\(([^)]*)\)/.exec(rule.expr);
      const identifying = by ? (by[1] ?? '').split(',').map((label) => label.trim()).filter(Boolean) : TARGET_LABELS;
      const metrics = [...new Set(parsePromQL(rule.expr).selectors.map((s) => s.metric))].sort();
      return [{ alertname: rule.alert, severity: rule.labels?.severity ?? '', identifying, metrics }];
    }),
  );
}

/** The labels an alert of this rule carries, each identifying label set to `value`. */
export function labelsOf(rule: AlertRule, value: string): Record<string, string> {
  return { alertname: rule.alertname, severity: rule.severity, ...Object.fromEntries(rule.identifying.map((label) => [label, value])) };
}
