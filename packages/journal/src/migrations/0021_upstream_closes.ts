/**
 * 0021 — the close of each XTA box entry the hub took in, kept apart from the audit trail (ADR 0016): a poll looks
 * up the entries it lists here instead of reading audit records back. An entry listed again after its close was
 * lost by the intermediary (its answer lost, it crashed, it ignores the close): the poller closes it again after
 * 1, 2, 4 … of its polls (capped near an hour), counted by `upstream_polls.polls`, without a new audit record; how
 * often is counted per entry and per upstream (`upstream_polls.recloses`, never reset, for a counter).
 * Closes recorded so far only as `upstream-close` audit records (of the last week: older rows are pruned too) are
 * carried over, due for a close at once: one the intermediary still lists is the lost close this table is for.
 */
export const migration0021 = {
  id: '0021_upstream_closes',
  sql: (s: string): string => `
ALTER TABLE ${s}.upstream_polls
  ADD COLUMN polls    bigint NOT NULL DEFAULT 0 CHECK (polls >= 0),
  ADD COLUMN recloses bigint NOT NULL DEFAULT 0 CHECK (recloses >= 0);
CREATE TABLE ${s}.upstream_closes (
  upstream_id     text NOT NULL,
  message_id      text NOT NULL,
  first_closed_at timestamptz NOT NULL DEFAULT now(),
  last_closed_at  timestamptz NOT NULL DEFAULT now(),
  recloses        integer NOT NULL DEFAULT 0 CHECK (recloses >= 0),
  next_close_poll bigint NOT NULL,
  PRIMARY KEY (upstream_id, message_id)
);
CREATE INDEX upstream_closes_last_idx ON ${s}.upstream_closes (upstream_id, last_closed_at);
INSERT INTO ${s}.upstream_closes (upstream_id, message_id, first_closed_at, last_closed_at, next_close_poll)
  SELECT details->>'upstream', details->>'xtaMessageId', min(at), max(at), 0
    FROM ${s}.audit
   WHERE stage = 'upstream-close' AND at > now() - interval '7 days'
     AND details ? 'upstream' AND details ? 'xtaMessageId'
   GROUP BY 1, 2;
`,
} as const;
