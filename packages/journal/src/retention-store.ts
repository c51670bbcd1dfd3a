import { appendAudit } from './audit-chain.js';
import { isBlobKey } from '@weiche/blobstore';
import { blobRefsIn } from './blob-refs.js';
import { toSubmission, type SubmissionDbRow, type SubmissionRow } from './rows.js';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** What retention deletes of a finished submission: its decrypted output packages, or the data as received. */
export type RetainedData = 'outputs' | 'received';

/** Audit stage of every retention deletion. */
export const RETENTION_STAGE = 'retention';
/** Audit stage of a tenant's crypto-shredding (a record without a submission that names the tenant). */
export const SHRED_STAGE = 'shred';

const DELETED_AT: Readonly<Record<RetainedData, string>> = { outputs: 'outputs_deleted_at', received: 'received_deleted_at' };
/**
 * The sha256-hex strings anywhere in a row's channel metadata (alias `o`): the expression of the GIN index
 * submissions_blob_refs_gin (migration 0015), written exactly as there so the planner uses it.
 */
export const BLOB_REFS = blobRefsIn('o.channel_meta');
/** Class of the transaction advisory lock that lets one retention run at a time work on a schema. */
const RETENTION_LOCK_CLASS = 0x57c4a0d3;

/**
 * The journal's side of retention (docs/adr/0006-data-lifecycle.md): which finished submissions are due, which
 * received blobs another submission still needs, and the record that something was deleted (row + audit, one
 * transaction). Only DELIVERED and REJECTED count as finished: queued, failed and dead-lettered submissions are
 * never selected, whatever their age.
 */
export class RetentionStore extends SchemaStore {
  /**
   * Runs `run` while holding the schema's retention lock (a transaction-level advisory lock on a connection of its
   * own, released by commit, rollback or a dropped connection); undefined when another run holds it. One run at a
   * time keeps two runs from each keeping a shared blob for the other's submission, which would then stay for ever.
   */
  async exclusive<T>(run: () => Promise<T>): Promise<T | undefined> {
    return withTransaction(this.pool, async (client) => {
      const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [RETENTION_LOCK_CLASS, this.s]);
      return locked.rows[0]?.ok ? run() : undefined;
    });
  }

  /**
   * Runs `run` holding the same lock as `exclusive`, waiting for it while another holds it (a retention run holds it
   * for the whole run): for short work that must not race a retention run or another such work, e.g. the janitor's
   * deletion of one submission's received data.
   */
  async exclusiveWaiting<T>(run: () => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [RETENTION_LOCK_CLASS, this.s]);
      return run();
    });
  }

  /** Finished submissions of `tenantId` that finished before `before` and still hold `what`, oldest first, after the cursor `after`. */
  async due(what: RetainedData, tenantId: string, before: Date, limit: number, after?: { updatedAt: Date; submissionId: string }): Promise<SubmissionRow[]> {
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE tenant_id = $1 AND state IN ('DELIVERED', 'REJECTED')
          -- the index's own predicate, so the planner uses submissions_retention_idx
          AND ((outputs IS NOT NULL AND outputs_deleted_at IS NULL) OR received_deleted_at IS NULL)
          AND ${DELETED_AT[what]} IS NULL AND updated_at < $2
          ${what === 'outputs' ? 'AND outputs IS NOT NULL' : ''}
          AND ($4::timestamptz IS NULL OR (updated_at, submission_id) > ($4, $5))
        ORDER BY updated_at, submission_id LIMIT $3`,
      [tenantId, before, limit, after?.updatedAt ?? null, after?.submissionId ?? ''],
    );
    return rows.map(toSubmission);
  }

  /**
   * The keys among `keys` that a submission other than `except` still needs: one that keeps its received data
   * and names the key as an attachment or anywhere in its channel metadata (any tenant, any state).
   */
  async receivedKeysInUse(keys: readonly string[], except: string): Promise<Set<string>> {
    const inUse = new Set<string>();
    for (const key of keys) {
      // only blob keys (sha256 hex) can be named by the index; anything else is no blob of ours
      if (!isBlobKey(key)) continue;
      const rows = await this.query<{ used: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${this.s}.attachments a JOIN ${this.s}.submissions o USING (submission_id)
                         WHERE a.blob_key = $1 AND o.submission_id <> $2 AND o.received_deleted_at IS NULL)
             OR EXISTS (SELECT 1 FROM ${this.s}.submissions o
                         WHERE ${BLOB_REFS} @> jsonb_build_array($1::text) AND o.submission_id <> $2 AND o.received_deleted_at IS NULL) AS used`,
        [key, except],
      );
      if (rows[0]?.used) inUse.add(key);
    }
    return inUse;
  }

  /**
   * Submissions of `channels` (those that wait for a receiver to pick them up) REJECTED because nobody did
   * (`WEICHE_ERR_NOT_PICKED_UP`) that still hold their received data: the expiry that rejected them did not get to
   * deleting it (a crash in between). Oldest first, from the partial index of migration 0019 (same predicate).
   */
  async notPickedUpHoldingData(channels: readonly string[], limit: number): Promise<SubmissionRow[]> {
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE state = 'REJECTED' AND received_deleted_at IS NULL AND problem->>'code' = 'WEICHE_ERR_NOT_PICKED_UP'
          AND channel = ANY($1::text[])
        ORDER BY updated_at LIMIT $2`,
      [channels, limit],
    );
    return rows.map(toSubmission);
  }

  /**
   * Records that `what` of a finished submission was deleted at `at`, with its audit record, in one
   * transaction. False (and nothing written) when it was recorded before or the submission is not finished.
   */
  async recordDeleted(what: RetainedData, submissionId: string, at: Date, audit: { actor: string; details: Record<string, unknown> }): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE ${this.s}.submissions SET ${DELETED_AT[what]} = $2
          WHERE submission_id = $1 AND state IN ('DELIVERED', 'REJECTED') AND ${DELETED_AT[what]} IS NULL`,
        [submissionId, at],
      );
      if (rowCount !== 1) return false;
      await appendAudit(client, this.s, { submissionId, actor: audit.actor, stage: RETENTION_STAGE, details: { deleted: what, ...audit.details } });
      return true;
    });
  }

  /** When the tenant's data key was last destroyed (crypto-shredding), from the audit; null if never. */
  async shreddedAt(tenantId: string): Promise<Date | null> {
    const rows = await this.query<{ at: Date }>(
      // only the hub chains (records without a submission): a range on the (tenant_id, chain) index, not every record of the tenant
      `SELECT max(at) AS at FROM ${this.s}.audit WHERE tenant_id = $1 AND chain >= 'hub:' AND chain < 'hub;' AND stage = $2`,
      [tenantId, SHRED_STAGE],
    );
    return rows[0]?.at ?? null;
  }

  /** When retention deleted the outputs and the received data of a submission (null: still kept). */
  async deletedAt(submissionId: string): Promise<{ outputs: Date | null; received: Date | null } | undefined> {
    const rows = await this.query<{ outputs_deleted_at: Date | null; received_deleted_at: Date | null }>(
      `SELECT outputs_deleted_at, received_deleted_at FROM ${this.s}.submissions WHERE submission_id = $1`,
      [submissionId],
    );
    const r = rows[0];
    return r ? { outputs: r.outputs_deleted_at, received: r.received_deleted_at } : undefined;
  }
}
