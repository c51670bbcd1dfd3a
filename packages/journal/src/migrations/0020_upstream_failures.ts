/**
 * 0020 — failed upstream calls, counted per upstream and kind of failure since the journal began (the counter
 * weiche_upstream_failures_total). Counted here rather than in the polling process: the pollers run in the
 * processor role, /metrics is served by the gateway or admin role, and every replica must show the same counts.
 * The kinds are the hub's bounded list (services/hub/src/upstreams/failure-kinds.ts), so the table stays small.
 */
export const migration0020 = {
  id: '0020_upstream_failures',
  sql: (s: string): string => `
CREATE TABLE ${s}.upstream_failures (
  upstream_id text NOT NULL,
  kind        text NOT NULL,
  failures    bigint NOT NULL DEFAULT 0 CHECK (failures >= 0),
  PRIMARY KEY (upstream_id, kind)
);
`,
} as const;
