import type { AlertRule } from './alert-rules.js';

/** An inhibit rule of an Alertmanager config, in the matchers syntax (source_matchers / target_matchers). */
export interface InhibitRule {
  readonly source_matchers?: readonly string[];
  readonly target_matchers?: readonly string[];
  readonly equal?: readonly string[];
}

type Labels = Readonly<Record<string, string>>;

/** Whether `labels` satisfy one matcher such as `alertname="WeicheBacklogStalled"` or `severity=~"crit.*"`. */
function matches(matcher: string, labels: Labels): boolean {
  const parsed = /^\s*(\w+)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(matcher);
  if (!parsed) throw new Error(`not a matcher: ${matcher}`);
  const [, name = '', op, value = ''] = parsed;
  const actual = labels[name] ?? '';
  if (op === '=') return actual === value;
  if (op === '!=') return actual !== value;
  const full = new RegExp(`^(?:${value})$`).test(actual);
  return op === '=~' ? full : !full;
}

const matchAll = (matchers: readonly string[] | undefined, labels: Labels): boolean => (matchers ?? []).every((m) => matches(m, labels));

/** The alerts of `rules` whose labels (alertname, severity and the identifying ones) the matchers select. */
export function selected(matchers: readonly string[] | undefined, rules: readonly AlertRule[], labels: (rule: AlertRule) => Labels): AlertRule[] {
  return rules.filter((rule) => matchAll(matchers, labels(rule)));
}

/**
 * What is wrong with an inhibit rule against the alerts of the rules file: it must select at least one critical
 * source and one warning target and nothing else, and its `equal` labels must be present on every alert it selects —
 * Alertmanager counts a label missing on both sides as equal, so a rule equal on a label its alerts lack would let
 * any source silence every target.
 */
export function problemsOf(rule: InhibitRule, rules: readonly AlertRule[], labels: (rule: AlertRule) => Labels): string[] {
  const sources = selected(rule.source_matchers, rules, labels);
  const targets = selected(rule.target_matchers, rules, labels);
  const name = `${(rule.source_matchers ?? []).join(',')} → ${(rule.target_matchers ?? []).join(',')}`;
  const equal = rule.equal ?? [];
  return [
    ...(sources.length === 0 ? [`${name}: its source matchers select no alert`] : []),
    ...(targets.length === 0 ? [`${name}: its target matchers select no alert`] : []),
    ...sources.filter((s) => s.severity !== 'critical').map((s) => `${name}: source ${s.alertname} is ${s.severity}, not critical`),
    ...targets.filter((t) => t.severity !== 'warning').map((t) => `${name}: target ${t.alertname} is ${t.severity}, not a warning`),
    ...(equal.length === 0 ? [`${name}: no equal labels, any source silences every target`] : []),
    ...[...sources, ...targets].flatMap((alert) =>
      equal.filter((label) => !alert.identifying.includes(label)).map((label) => `${name}: equal label ${label} is not on ${alert.alertname}`),
    ),
  ];
}

/** Whether some inhibit rule lets an alert of `critical` silence one of `warning` with the same identifying labels. */
export function inhibits(rules: readonly InhibitRule[], critical: AlertRule, warning: AlertRule, labels: (rule: AlertRule) => Labels): boolean {
  return rules.some(
    (rule) =>
      matchAll(rule.source_matchers, labels(critical)) &&
      matchAll(rule.target_matchers, labels(warning)) &&
      (rule.equal ?? []).length > 0 &&
      (rule.equal ?? []).every((label) => critical.identifying.includes(label) && warning.identifying.includes(label)),
  );
}

/**
 * The warning/critical pairs of a rules file: two thresholds over the same measure — the same metrics, aggregated by
 * the same labels — so the critical alert fires only while its warning does too.
 */
export function thresholdPairs(rules: readonly AlertRule[]): Array<{ critical: AlertRule; warning: AlertRule }> {
  const same = (a: readonly string[], b: readonly string[]): boolean => [...a].sort().join() === [...b].sort().join();
  return rules
    .filter((r) => r.severity === 'critical')
    .flatMap((critical) =>
      rules.filter((w) => w.severity === 'warning' && same(w.metrics, critical.metrics) && same(w.identifying, critical.identifying)).map((warning) => ({ critical, warning })),
    );
}
