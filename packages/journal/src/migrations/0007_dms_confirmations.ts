/**
 * 0007 — what the DMS answered to an Abgabe.Abgabe.0401 (issue 16): one row per AbgegebenesObjekt of a
 * 0402 (imported or not, with the reasons), one row per 0403 (received). The same message read twice (a
 * retried inbox file, an HTTP retry) adds nothing: rows are unique per message hash and object. ProzessID
 * lookups use an index on submissions.prozess_id.
 */
export const migration0007 = {
  id: '0007_dms_confirmations',
  sql: (s: string): string => `
CREATE INDEX submissions_prozess_idx ON ${s}.submissions (prozess_id) WHERE prozess_id IS NOT NULL;

CREATE TABLE ${s}.dms_confirmations (
  id                  bigserial PRIMARY KEY,
  submission_id       text NOT NULL REFERENCES ${s}.submissions (submission_id) ON DELETE CASCADE,
  prozess_id          text NOT NULL,
  message_type        text NOT NULL CHECK (message_type IN ('0402','0403')),
  object_id           text NOT NULL DEFAULT '',
  imported            boolean,
  reasons             jsonb NOT NULL DEFAULT '[]'::jsonb,
  source              text NOT NULL,
  message_sha256      text NOT NULL,
  message_created_at  timestamptz NOT NULL,
  received_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_sha256, object_id),
  CHECK ((message_type = '0402') = (imported IS NOT NULL))
);
CREATE INDEX dms_confirmations_submission_idx ON ${s}.dms_confirmations (submission_id, id);
`,
} as const;
