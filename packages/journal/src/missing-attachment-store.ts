import { SchemaStore } from './schema-store.js';

/** How long and on how many pickups an upstream submission's announced attachment has been missing. */
export interface MissingSince {
  /** Pickups from the list that found it missing, this one included, by any process. */
  readonly pickups: number;
  /** Since the first of them, by the database's clock. */
  readonly missingMs: number;
}

/**
 * Upstream submissions whose announced attachment the Zustelldienst answered 404 for (migration 0018), shared by
 * every process that polls the upstream: a restart or another replica counts on where the last one stopped. Times
 * are the database's, so replicas whose clocks differ still agree on how long an attachment has been missing.
 */
export class MissingAttachmentStore extends SchemaStore {
  /** Records one more pickup that found an attachment missing (the first one starts the clock); returns the totals. */
  async missed(upstreamId: string, upstreamSubmissionId: string): Promise<MissingSince> {
    const [row] = await this.query<{ pickups: number; missing_ms: number }>(
      `INSERT INTO ${this.s}.upstream_missing_attachments AS m (upstream_id, upstream_submission_id) VALUES ($1, $2)
       ON CONFLICT (upstream_id, upstream_submission_id) DO UPDATE SET pickups = m.pickups + 1, last_missing_at = now()
       RETURNING pickups, (extract(epoch FROM now() - first_missing_at) * 1000)::float8 AS missing_ms`,
      [upstreamId, upstreamSubmissionId],
    );
    return { pickups: row!.pickups, missingMs: row!.missing_ms };
  }

  /** Forgets a submission whose attachments arrived, or that is in the journal now. */
  async forget(upstreamId: string, upstreamSubmissionId: string): Promise<void> {
    await this.query(`DELETE FROM ${this.s}.upstream_missing_attachments WHERE upstream_id = $1 AND upstream_submission_id = $2`, [upstreamId, upstreamSubmissionId]);
  }

  /**
   * Forgets the submissions a pickup list read from its start at `listedSince` no longer held (answered or withdrawn
   * meanwhile). What was found missing after `listedSince` stays: another replica may have seen it newly listed.
   */
  async keepOnly(upstreamId: string, listed: readonly string[], listedSince: Date): Promise<void> {
    await this.query(
      `DELETE FROM ${this.s}.upstream_missing_attachments
        WHERE upstream_id = $1 AND upstream_submission_id <> ALL($2::text[]) AND last_missing_at < $3`,
      [upstreamId, listed, listedSince],
    );
  }
}
