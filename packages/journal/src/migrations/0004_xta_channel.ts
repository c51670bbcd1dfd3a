/**
 * 0004 — XTA 2 intake and message box (issue 5). A submission has a channel; an XTA submission carries
 * the sender's MessageID (the idempotency key: a repeat is fault 9024, so unique per channel) and its
 * MessageMetaData (identifiers and qualifiers only, echoed in the transport report). The message box
 * holds what the hub offers an XTA identity (a Fachverfahren) until that identity closes it.
 */
export const migration0004 = {
  id: '0004_xta_channel',
  sql: (s: string): string => `
ALTER TABLE ${s}.submissions ADD COLUMN channel text NOT NULL DEFAULT 'fit-connect' CHECK (channel IN ('fit-connect','xta'));
ALTER TABLE ${s}.submissions ADD COLUMN xta_message_id text;
ALTER TABLE ${s}.submissions ADD COLUMN xta_meta jsonb;
CREATE UNIQUE INDEX submissions_channel_message_id_uq ON ${s}.submissions (channel, xta_message_id) WHERE xta_message_id IS NOT NULL;

CREATE TABLE ${s}.xta_msgbox (
  identity         text NOT NULL,
  xta_message_id   text NOT NULL,
  submission_id    text NOT NULL,
  idempotency_key  text NOT NULL,
  package_blob_key text NOT NULL,
  package_size     bigint NOT NULL CHECK (package_size >= 0),
  meta             jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'offered' CHECK (status IN ('offered','closed')),
  offered_at       timestamptz NOT NULL DEFAULT now(),
  first_fetched_at timestamptz,
  closed_at        timestamptz,
  PRIMARY KEY (identity, xta_message_id),
  UNIQUE (identity, idempotency_key)
);
CREATE INDEX xta_msgbox_offered_idx ON ${s}.xta_msgbox (identity, status, offered_at);
CREATE INDEX xta_msgbox_submission_idx ON ${s}.xta_msgbox (submission_id);
`,
} as const;
