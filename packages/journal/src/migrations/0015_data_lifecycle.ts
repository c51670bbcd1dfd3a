/**
 * 0015 — data lifecycle (issue 12): retention deletes a finished submission's decrypted output packages and
 * its received ciphertext from the blob store after the tenant's retention periods; the journal row, its
 * hashes and the audit chain stay (docs/adr/0006-data-lifecycle.md). The row records when each was deleted.
 *
 * - `submissions_retention_idx`: the finished submissions of a tenant that still hold data (a row leaves it once
 *   retention deleted all it had), by the time they finished (`updated_at` of a DELIVERED or REJECTED row:
 *   nothing changes those rows afterwards).
 * - Blobs are content-addressed, so two submissions may name the same received bytes (a sender sending the
 *   same ciphertext twice). Before deleting one, retention asks whether another submission that still keeps
 *   its received data names it: in its attachments, or anywhere in its channel metadata (a GIN index over the
 *   sha256-hex strings found anywhere in `channel_meta` answers it without knowing any channel's field names).
 * - The XTA message box keeps its own copy of a delivered package until the recipient closes it; retention deletes
 *   closed ones `outputsDays` after the close and records it in `xta_msgbox.package_deleted_at`.
 */
export const migration0015 = {
  id: '0015_data_lifecycle',
  sql: (s: string): string => `
ALTER TABLE ${s}.submissions ADD COLUMN outputs_deleted_at timestamptz;
ALTER TABLE ${s}.submissions ADD COLUMN received_deleted_at timestamptz;
CREATE INDEX submissions_retention_idx ON ${s}.submissions (tenant_id, updated_at)
  WHERE state IN ('DELIVERED', 'REJECTED') AND ((outputs IS NOT NULL AND outputs_deleted_at IS NULL) OR received_deleted_at IS NULL);
CREATE INDEX attachments_blob_key_idx ON ${s}.attachments (blob_key);
-- only the values shaped like a blob key (sha256 hex) are indexed: a few entries per row, whatever a channel keeps;
-- RetentionStore.receivedKeysInUse queries with this very expression
CREATE INDEX submissions_blob_refs_gin ON ${s}.submissions
  USING gin ((jsonb_path_query_array(channel_meta, 'strict $.** ? (@.type() == "string" && @ like_regex "^[0-9a-f]{64}$")')) jsonb_path_ops);
ALTER TABLE ${s}.xta_msgbox ADD COLUMN package_deleted_at timestamptz;
CREATE INDEX xta_msgbox_retention_idx ON ${s}.xta_msgbox (closed_at) WHERE status = 'closed' AND package_deleted_at IS NULL;
`,
} as const;
