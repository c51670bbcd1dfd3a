/**
 * 0005 — the submissions row becomes channel-neutral (issue 9). Columns that carried one channel's
 * meaning (case, destination, sender client, announced attachments, callback, JWE blob keys and tags;
 * XTA MessageID and MessageMetaData, held in columns named for FIT-Connect) move into `channel_meta`,
 * a JSON document whose shape each channel module owns and parses with its own zod schema.
 * `channel_ref` is the channel's own identifier of the message (unique per channel: the idempotency
 * key of intake and of upstream pickup); `acknowledged_at` records that the channel has told the
 * sender (or the upstream) the outcome, so a crash between outcome and acknowledgement is recovered;
 * `problem` keeps why a submission was rejected or failed in catalogue terms (code, stage, part, detail),
 * which each channel translates into its own (a FIT-Connect problem type, an XTA Fehlernummer).
 */
export const migration0005 = {
  id: '0005_channel_neutral_row',
  sql: (s: string): string => `
ALTER TABLE ${s}.submissions ADD COLUMN channel_ref text;
ALTER TABLE ${s}.submissions ADD COLUMN channel_meta jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE ${s}.submissions ADD COLUMN acknowledged_at timestamptz;
ALTER TABLE ${s}.submissions ADD COLUMN problem jsonb;

UPDATE ${s}.submissions SET channel_ref = submission_id, channel_meta = jsonb_strip_nulls(jsonb_build_object(
    'caseId', case_id,
    'destinationId', destination_id,
    'senderClientId', sender_client_id,
    'announcedAttachments', announced_attachments,
    'callback', callback,
    'metadataBlobKey', metadata_blob_key,
    'dataBlobKey', data_blob_key,
    'authenticationTags', authentication_tags))
  WHERE channel = 'fit-connect';
UPDATE ${s}.submissions SET channel_ref = xta_message_id, channel_meta = jsonb_strip_nulls(jsonb_build_object(
    'readerId', destination_id,
    'authorId', sender_client_id,
    'messageMetaData', xta_meta->'messageMetaData',
    'container', xta_meta->'container',
    'mtom', COALESCE(xta_meta->'mtom', 'false'::jsonb),
    'containerBlobKey', data_blob_key))
  WHERE channel = 'xta';
-- the code before this migration told senders of every finished outcome itself
UPDATE ${s}.submissions SET acknowledged_at = updated_at WHERE state IN ('DELIVERED', 'REJECTED');

ALTER TABLE ${s}.submissions ALTER COLUMN channel_ref SET NOT NULL;
ALTER TABLE ${s}.submissions ALTER COLUMN channel_meta DROP DEFAULT;
ALTER TABLE ${s}.submissions DROP CONSTRAINT IF EXISTS submissions_channel_check;
ALTER TABLE ${s}.submissions ADD CONSTRAINT submissions_channel_check CHECK (channel ~ '^[a-z][a-z0-9-]{0,63}$');
ALTER TABLE ${s}.submissions ALTER COLUMN channel DROP DEFAULT;
DROP INDEX IF EXISTS ${s}.submissions_channel_message_id_uq;
CREATE UNIQUE INDEX submissions_channel_ref_uq ON ${s}.submissions (channel, channel_ref);
DROP INDEX IF EXISTS ${s}.submissions_case_idx;
CREATE INDEX events_case_submission_idx ON ${s}.events (case_id, submission_id);
CREATE INDEX submissions_unacknowledged_idx ON ${s}.submissions (updated_at)
  WHERE acknowledged_at IS NULL AND state IN ('DELIVERED', 'REJECTED');

-- the message box keeps packages as delivered (streamed, any size) and unpacks them when fetched
ALTER TABLE ${s}.xta_msgbox ADD COLUMN package_name text;

ALTER TABLE ${s}.submissions
  DROP COLUMN case_id,
  DROP COLUMN destination_id,
  DROP COLUMN sender_client_id,
  DROP COLUMN announced_attachments,
  DROP COLUMN callback,
  DROP COLUMN metadata_blob_key,
  DROP COLUMN data_blob_key,
  DROP COLUMN authentication_tags,
  DROP COLUMN xta_message_id,
  DROP COLUMN xta_meta;
`,
} as const;
