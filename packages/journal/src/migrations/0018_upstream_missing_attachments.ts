/**
 * 0018 — announced attachments a FIT-Connect Zustelldienst answers 404 for: since when (the database's clock, one
 * clock for every replica) and on how many pickups from the list, per upstream submission. The hub refuses such a
 * submission only once it has been missing for the upstream's `missingAttachmentGraceMs` and several pickups; held
 * here rather than in a process so that a restart or another replica counts on instead of afresh. A row goes when
 * the attachments arrive, when the submission is refused, or when the list no longer holds the submission.
 */
export const migration0018 = {
  id: '0018_upstream_missing_attachments',
  sql: (s: string): string => `
CREATE TABLE ${s}.upstream_missing_attachments (
  upstream_id            text NOT NULL,
  upstream_submission_id text NOT NULL,
  first_missing_at       timestamptz NOT NULL DEFAULT now(),
  last_missing_at        timestamptz NOT NULL DEFAULT now(),
  pickups                integer NOT NULL DEFAULT 1 CHECK (pickups > 0),
  PRIMARY KEY (upstream_id, upstream_submission_id)
);
`,
} as const;
