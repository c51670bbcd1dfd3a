/**
 * 0012 — upstream connections (issue 10): the last poll, success and error of every upstream the hub picks
 * up from (FIT-Connect Zustelldienst, XTA message box), written by whichever process polls and read by the
 * admin API and metrics of any process. What an upstream submission is waiting for is read from the
 * submissions themselves (`channel_meta.upstreamId`, not yet acknowledged), indexed here.
 */
export const migration0012 = {
  id: '0012_upstreams',
  sql: (s: string): string => `
CREATE TABLE ${s}.upstream_polls (
  upstream_id      text PRIMARY KEY,
  kind             text NOT NULL,
  last_poll_at     timestamptz,
  last_success_at  timestamptz,
  last_error_at    timestamptz,
  last_error       text
);
CREATE INDEX submissions_upstream_unacknowledged_idx ON ${s}.submissions ((channel_meta->>'upstreamId'), created_at)
  WHERE acknowledged_at IS NULL AND channel_meta ? 'upstreamId';
`,
} as const;
