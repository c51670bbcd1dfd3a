/**
 * 0016 — XTA upstreams (issue 10, part B): the hub polls intermediaries' XTA message boxes and records its polls
 * in `upstream_polls` (0012) like every upstream. What it took in is counted from the submissions (channel
 * `xta-upstream`, channel_ref unique: a box entry is taken in once); what it could not take in stays in the box,
 * and only the poll sees it: how many such entries the last successful poll left there and since when the oldest
 * of them waits. Any upstream kind that can see what it did not take in may report it; FIT-Connect does not yet.
 */
export const migration0016 = {
  id: '0016_xta_upstreams',
  sql: (s: string): string => `
ALTER TABLE ${s}.upstream_polls
  ADD COLUMN waiting_upstream       integer CHECK (waiting_upstream >= 0),
  ADD COLUMN waiting_upstream_since timestamptz;
`,
} as const;
