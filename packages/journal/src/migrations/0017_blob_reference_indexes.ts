/**
 * 0017 — orphan blobs (docs/adr/0006-data-lifecycle.md): the janitor deletes blob files no journal row names (written
 * before a commit that never came). It asks for a whole batch of keys at once whether any row names them; every place
 * a row can name a blob gets an index so that question costs index lookups, not table scans:
 * `attachments.blob_key` and the blob keys in `submissions.channel_meta` have theirs (0015); added here are the
 * output package (`submissions.output_blob_key`, and every sha256-hex string in `submissions.outputs`, the same
 * expression as 0015's over `channel_meta`) and the XTA message box's copy (`xta_msgbox.package_blob_key`).
 *
 * Built inside the migration transaction (migrate() applies all pending migrations in one, under a transaction-level
 * lock, so it also works through a transaction-mode pooler; CREATE INDEX CONCURRENTLY cannot run in a transaction),
 * so writes to `submissions` and `xta_msgbox` wait while they are built. On a large journal the operator builds them
 * beforehand with CREATE INDEX CONCURRENTLY under these names (CHANGELOG, upgrade note): see indexKeepingPrebuilt.
 */
import { indexKeepingPrebuilt } from './prebuilt-index.js';

const INDEXES: ReadonlyArray<{ name: string; on: string }> = [
  { name: 'submissions_output_blob_key_idx', on: 'submissions (output_blob_key) WHERE output_blob_key IS NOT NULL' },
  {
    name: 'submissions_output_refs_gin',
    on: `submissions USING gin ((jsonb_path_query_array(outputs, 'strict $.** ? (@.type() == "string" && @ like_regex "^[0-9a-f]{64}$")')) jsonb_path_ops)`,
  },
  { name: 'xta_msgbox_package_blob_key_idx', on: 'xta_msgbox (package_blob_key)' },
];

export const migration0017 = {
  id: '0017_blob_reference_indexes',
  sql: (s: string): string => INDEXES.map(({ name, on }) => indexKeepingPrebuilt(s, name, on)).join('\n'),
} as const;
