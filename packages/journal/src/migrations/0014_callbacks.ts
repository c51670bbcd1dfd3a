/**
 * 0014 — FIT-Connect callbacks to senders (issue 12): one row per event a sender asked to be told of,
 * written in the same transaction as the event, so a callback is owed exactly when its event exists.
 * The row is the truth; the BullMQ job that sends it is rebuilt from PENDING rows after a restart or a
 * Redis flush. GIVEN_UP keeps the operator-visible reason. No foreign key to submissions (as for events):
 * the record of what the sender was told outlives a clean-up of journal rows.
 *
 * Callback secrets were kept in plaintext in channel_meta before this migration and never used; they are
 * removed here (a sender that gave one then gets no callback for that submission). New secrets are
 * stored sealed with the tenant's data key.
 */
export const migration0014 = {
  id: '0014_callbacks',
  sql: (s: string): string => `
CREATE TABLE ${s}.callbacks (
  jti              text PRIMARY KEY,
  submission_id    text NOT NULL,
  event_name       text NOT NULL,
  state            text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING','SENT','GIVEN_UP')),
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_attempt_at  timestamptz,
  finished_at      timestamptz
);
CREATE INDEX callbacks_pending_idx ON ${s}.callbacks (created_at) WHERE state = 'PENDING';
CREATE INDEX callbacks_submission_idx ON ${s}.callbacks (submission_id);

UPDATE ${s}.submissions SET channel_meta = channel_meta - 'callback'
 WHERE channel = 'fit-connect' AND channel_meta ? 'callback';
`,
} as const;
