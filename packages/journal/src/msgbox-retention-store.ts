import { appendAudit } from './audit-chain.js';
import { RETENTION_STAGE } from './retention-store.js';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** A closed message box entry whose package is still stored. */
export interface ClosedPackage {
  identity: string;
  messageId: string;
  submissionId: string;
  packageBlobKey: string;
  closedAt: Date;
}

/**
 * Retention of the XTA message box's own package copies (docs/adr/0006-data-lifecycle.md): only entries the
 * recipient closed are due, counted from the close; an offered entry is a delivery not yet taken and stays.
 */
export class MsgBoxRetentionStore extends SchemaStore {
  /** Closed entries of the tenant's finished submissions, closed before `before`, whose package is still stored; oldest first. */
  async closedDue(tenantId: string, before: Date, limit: number): Promise<ClosedPackage[]> {
    const rows = await this.query<{ identity: string; xta_message_id: string; submission_id: string; package_blob_key: string; closed_at: Date }>(
      `SELECT m.identity, m.xta_message_id, m.submission_id, m.package_blob_key, m.closed_at
         FROM ${this.s}.xta_msgbox m JOIN ${this.s}.submissions s USING (submission_id)
        WHERE m.status = 'closed' AND m.package_deleted_at IS NULL AND m.closed_at < $2 AND s.tenant_id = $1
          AND s.state IN ('DELIVERED', 'REJECTED')
        ORDER BY m.closed_at, m.identity, m.xta_message_id LIMIT $3`,
      [tenantId, before, limit],
    );
    return rows.map((r) => ({ identity: r.identity, messageId: r.xta_message_id, submissionId: r.submission_id, packageBlobKey: r.package_blob_key, closedAt: r.closed_at }));
  }

  /** Records the deletion of a closed entry's package with an audit record in its submission's chain, once. */
  async recordDeleted(entry: ClosedPackage, at: Date, audit: { actor: string; outputsDays: number }): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE ${this.s}.xta_msgbox SET package_deleted_at = $3
          WHERE identity = $1 AND xta_message_id = $2 AND status = 'closed' AND package_deleted_at IS NULL`,
        [entry.identity, entry.messageId, at],
      );
      if (rowCount !== 1) return false;
      await appendAudit(client, this.s, {
        submissionId: entry.submissionId,
        actor: audit.actor,
        stage: RETENTION_STAGE,
        details: { deleted: 'message-box-package', identity: entry.identity, xtaMessageId: entry.messageId, storedAs: entry.packageBlobKey, closedAt: entry.closedAt.toISOString(), outputsDays: audit.outputsDays },
      });
      return true;
    });
  }
}
