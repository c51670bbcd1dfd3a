import { toAuditRecord, type AuditDbRow, type AuditRecord } from './audit-rows.js';
import { SchemaStore } from './schema-store.js';
import type { Page, TimeRange } from './queries.js';

/** An audit record as auditors read it (each record names its tenant since migration 0006). */
export type AuditTrailRecord = AuditRecord;

export interface AuditTrailSearch extends TimeRange {
  submissionId?: string;
  /**
   * The caller's scope: undefined sees every tenant and the records of no submission (pause, resume); a
   * back office also sees the records of the submissions it processes for another tenant.
   */
  tenantIds?: readonly string[];
}

/** The audit chain for auditors: records of one submission or of a time range, in chain order. */
export class AuditTrail extends SchemaStore {
  async records(search: AuditTrailSearch, page: Page): Promise<{ total: number; items: AuditTrailRecord[] }> {
    const where = `($1::text IS NULL OR a.submission_id = $1)
      AND ($2::timestamptz IS NULL OR a.at >= $2) AND ($3::timestamptz IS NULL OR a.at < $3)
      AND ($4::text[] IS NULL OR a.tenant_id = ANY($4::text[])
           OR a.submission_id IN (SELECT p.submission_id FROM ${this.s}.submissions p WHERE p.processing_tenant = ANY($4::text[])))`;
    const params = [search.submissionId ?? null, search.from ?? null, search.to ?? null, search.tenantIds ? [...search.tenantIds] : null];
    const from = `${this.s}.audit a`;
    const [count, rows] = await Promise.all([
      this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} WHERE ${where}`, params),
      this.query<AuditDbRow>(`SELECT a.* FROM ${from} WHERE ${where} ORDER BY a.seq OFFSET $5 LIMIT $6`, [...params, page.offset, page.limit]),
    ]);
    return { total: count[0]?.n ?? 0, items: rows.map(toAuditRecord) };
  }

  /** How many records the chain holds. */
  async count(): Promise<number> {
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.s}.audit`);
    return Number(rows[0]?.n ?? 0);
  }
}
