/**
 * 0016 — XTA upstreams (issue 10, part B): the hub polls intermediaries' XTA message boxes. What each poll
 * found is kept per upstream, so any replica's admin API and console show the same connection state
 * (last poll, last success, last error, what still waits upstream and since when). The messages themselves
 * are ordinary journal rows of channel `xta-upstream` (channel_ref unique: a box entry is taken in once).
 */
export const migration0016 = {
  id: '0016_xta_upstreams',
  sql: (s: string): string => `
CREATE TABLE IF NOT EXISTS ${s}.xta_upstream_status (
  upstream_id        text PRIMARY KEY,
  last_poll_at       timestamptz,
  last_success_at    timestamptz,
  last_error_at      timestamptz,
  last_error_message text,
  backlog            integer NOT NULL DEFAULT 0 CHECK (backlog >= 0),
  oldest_pending_at  timestamptz,
  overdue            integer NOT NULL DEFAULT 0 CHECK (overdue >= 0)
);
`,
} as const;
