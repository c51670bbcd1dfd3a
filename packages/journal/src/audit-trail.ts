import { toAuditRecord, type AuditDbRow, type AuditRecord } from './rows.js';
import { SchemaStore } from './schema-store.js';
import type { Page, TimeRange } from './queries.js';

/** An audit record as auditors read it: the record itself and the tenant of its submission. */
export interface AuditTrailRecord extends AuditRecord {
  tenantId: string | null;
}

export interface AuditTrailSearch extends TimeRange {
  submissionId?: string;
  /** The caller's scope: undefined sees every tenant and the records of no submission (pause, resume). */
  tenantIds?: readonly string[];
}

/** The audit chain for auditors: records of one submission or of a time range, in chain order. */
export class AuditTrail extends SchemaStore {
  async records(search: AuditTrailSearch, page: Page): Promise<{ total: number; items: AuditTrailRecord[] }> {
    const where = `($1::text IS NULL OR a.submission_id = $1)
      AND ($2::timestamptz IS NULL OR a.at >= $2) AND ($3::timestamptz IS NULL OR a.at < $3)
      AND ($4::text[] IS NULL OR s.tenant_id = ANY($4::text[]))`;
    const params = [search.submissionId ?? null, search.from ?? null, search.to ?? null, search.tenantIds ? [...search.tenantIds] : null];
    const from = `${this.s}.audit a LEFT JOIN ${this.s}.submissions s USING (submission_id)`;
    const [count, rows] = await Promise.all([
      this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} WHERE ${where}`, params),
      this.query<AuditDbRow & { tenant_id: string | null }>(`SELECT a.*, s.tenant_id FROM ${from} WHERE ${where} ORDER BY a.seq OFFSET $5 LIMIT $6`, [...params, page.offset, page.limit]),
    ]);
    return { total: count[0]?.n ?? 0, items: rows.map((r) => ({ ...toAuditRecord(r), tenantId: r.tenant_id })) };
  }

  /** How many records the chain holds. */
  async count(): Promise<number> {
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.s}.audit`);
    return Number(rows[0]?.n ?? 0);
  }
}
