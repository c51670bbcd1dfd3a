import { parser } from '@prometheus-io/lezer-promql';

/** A metric selector in a PromQL expression: the metric name and the label names it matches on. */
export interface Selector {
  readonly metric: string;
  readonly labels: readonly string[];
}

export interface ParsedPromQL {
  /** Where the parser found a syntax error (empty when the expression parses). */
  readonly errors: readonly string[];
  readonly selectors: readonly Selector[];
}

/**
 * Parses PromQL with Prometheus's own grammar (@prometheus-io/lezer-promql, the parser of the
 * Prometheus web UI). Lezer recovers from errors with error nodes instead of throwing, so every
 * error node is reported with the text around it.
 */
export function parsePromQL(expr: string): ParsedPromQL {
  const errors: string[] = [];
  const selectors: Selector[] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.type.isError) errors.push(`at ${ref.from}: "${expr.slice(Math.max(0, ref.from - 15), ref.to + 15)}"`);
      if (ref.name !== 'VectorSelector') return;
      const name = ref.node.getChild('Identifier');
      if (!name) return;
      const labels = ref.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher').map((m) => m.getChild('LabelName')) ?? [];
      selectors.push({ metric: expr.slice(name.from, name.to), labels: labels.flatMap((l) => (l ? [expr.slice(l.from, l.to)] : [])) });
    },
  });
  return { errors, selectors };
}

/** What one metric family makes visible to PromQL: its series names (histogram → _bucket/_sum/_count) and label names. */
export function seriesOf(family: { name: string; type: string; labels: readonly string[] }): Map<string, Set<string>> {
  const labels = new Set(family.labels);
  switch (family.type) {
    case 'histogram':
      return new Map([
        [`${family.name}_bucket`, new Set([...labels, 'le'])],
        [`${family.name}_sum`, labels],
        [`${family.name}_count`, labels],
      ]);
    case 'summary':
      return new Map([
        [family.name, new Set([...labels, 'quantile'])],
        [`${family.name}_sum`, labels],
        [`${family.name}_count`, labels],
      ]);
    default:
      return new Map([[family.name, labels]]);
  }
}

/**
 * Series names and the label names seen on them in a Prometheus text exposition (as GET /metrics
 * answers). A family with no sample yet (a labelled gauge before its first value) is listed with
 * no labels known.
 */
export function exposedSeries(text: string): Map<string, Set<string> | undefined> {
  const series = new Map<string, Set<string> | undefined>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) {
      for (const name of seriesOf({ name: type[1], type: type[2], labels: [] }).keys()) series.set(name, undefined);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+/.exec(line);
    if (!sample?.[1]) continue;
    const known = series.get(sample[1]) ?? new Set<string>();
    for (const label of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) if (label[1]) known.add(label[1]);
    series.set(sample[1], known);
  }
  return series;
}
