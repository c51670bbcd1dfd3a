import { isBlobKey } from '@weiche/blobstore';
import { blobRefsIn } from './blob-refs.js';
import { SchemaStore } from './schema-store.js';

/**
 * Every place a journal row names a blob, for the orphan sweep. A blob named here is never an orphan, whatever
 * the row's state and even after retention recorded it deleted (retention itself decides about those):
 * - `attachments.blob_key` — uploaded and fetched attachments (FIT-Connect; kept even after an abandoned submission's rejection);
 * - `submissions.channel_meta` — any sha256-hex string at any depth: the JWEs and containers as received (metadata,
 *   data, upstream attachments, XTA containers), whatever a channel calls them;
 * - `submissions.output_blob_key` and any sha256-hex string in `submissions.outputs` — the output packages;
 * - `xta_msgbox.package_blob_key` — the message box's copy of a delivered package.
 * The test next to this file fails when a migration adds a column that may name a blob, so none is missed.
 */
export const BLOB_REFERENCE_SQL = (s: string): string => `
SELECT k AS key FROM unnest($1::text[]) AS k
 WHERE EXISTS (SELECT 1 FROM ${s}.attachments a WHERE a.blob_key = k)
    OR EXISTS (SELECT 1 FROM ${s}.submissions o WHERE ${blobRefsIn('o.channel_meta')} @> jsonb_build_array(k))
    OR EXISTS (SELECT 1 FROM ${s}.submissions o WHERE o.output_blob_key = k)
    OR EXISTS (SELECT 1 FROM ${s}.submissions o WHERE ${blobRefsIn('o.outputs')} @> jsonb_build_array(k))
    OR EXISTS (SELECT 1 FROM ${s}.xta_msgbox m WHERE m.package_blob_key = k)`;

/** The journal's answer to "which of these blobs does any row still name?" — one query per batch, each reference kind by its index (migrations 0015, 0017). */
export class BlobReferenceStore extends SchemaStore {
  /** The keys among `keys` that some journal row names (see BLOB_REFERENCE_SQL); one statement for the whole batch. */
  async referenced(keys: readonly string[]): Promise<Set<string>> {
    // only blob keys (sha256 hex) can name a blob; the store lists nothing else
    const candidates = [...new Set(keys.filter(isBlobKey))];
    if (candidates.length === 0) return new Set();
    const rows = await this.query<{ key: string }>(BLOB_REFERENCE_SQL(this.s), [candidates]);
    return new Set(rows.map((r) => r.key));
  }

  /**
   * True when no row names anything yet (no submission, no message box entry). A sweep against such a journal would
   * take every blob for an orphan: the sign of a wrong `database.schema` next to the right blob folder, not of orphans.
   */
  async journalEmpty(): Promise<boolean> {
    const rows = await this.query<{ empty: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM ${this.s}.submissions) AND NOT EXISTS (SELECT 1 FROM ${this.s}.xta_msgbox) AS empty`,
    );
    return rows[0]?.empty === true;
  }
}
