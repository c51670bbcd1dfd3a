import { SchemaStore } from './schema-store.js';
import type { Page, TimeRange } from './queries.js';

/** An audit record as auditors read it: chain position, actor, stage, states, hashes and details. */
export interface AuditTrailRecord {
  seq: number;
  at: Date;
  submissionId: string | null;
  tenantId: string | null;
  actor: string;
  stage: string;
  fromState: string | null;
  toState: string | null;
  inputHash: string | null;
  outputHash: string | null;
  prevHash: string;
  hash: string;
  details: Record<string, unknown>;
}

export interface AuditTrailSearch extends TimeRange {
  submissionId?: string;
  /** The caller's scope: undefined sees every tenant and the records of no submission (pause, resume). */
  tenantIds?: readonly string[];
}

interface AuditTrailDbRow {
  seq: string;
  at: Date;
  submission_id: string | null;
  tenant_id: string | null;
  actor: string;
  stage: string;
  from_state: string | null;
  to_state: string | null;
  input_hash: string | null;
  output_hash: string | null;
  prev_hash: string;
  hash: string;
  details: Record<string, unknown>;
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
      this.query<AuditTrailDbRow>(
        `SELECT a.seq, a.at, a.submission_id, s.tenant_id, a.actor, a.stage, a.from_state, a.to_state, a.input_hash, a.output_hash, a.prev_hash, a.hash, a.details
           FROM ${from} WHERE ${where} ORDER BY a.seq OFFSET $5 LIMIT $6`,
        [...params, page.offset, page.limit],
      ),
    ]);
    return {
      total: count[0]?.n ?? 0,
      items: rows.map((r) => ({
        seq: Number(r.seq),
        at: r.at,
        submissionId: r.submission_id,
        tenantId: r.tenant_id,
        actor: r.actor,
        stage: r.stage,
        fromState: r.from_state,
        toState: r.to_state,
        inputHash: r.input_hash,
        outputHash: r.output_hash,
        prevHash: r.prev_hash,
        hash: r.hash,
        details: r.details,
      })),
    };
  }

  /** How many records the chain holds. */
  async count(): Promise<number> {
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.s}.audit`);
    return Number(rows[0]?.n ?? 0);
  }
}
