import { SchemaStore } from './schema-store.js';
import { visibleToOrAll } from './tenant-scope.js';

/** One row of the OZG progress report: a tenant's service in one month (Europe/Berlin) of receipt. */
export interface OzgProgressRow {
  tenantId: string;
  serviceIdentifier: string;
  /** `YYYY-MM`, the month in which the submissions were received (German local time). */
  month: string;
  /** Submitted to the hub (every state but CREATED, which a sender has not submitted yet). */
  received: number;
  /** Delivered digitally end to end: every route delivered to the back office. */
  delivered: number;
  /** Refused for the sender's input (told to the sender). */
  rejected: number;
  /** In the dead letters (FAILED, discarded ones included: they did not arrive). */
  deadLettered: number;
  /** Processed by a back office under a delegation. */
  delegated: number;
  /** Median seconds from receipt to DELIVERED over the delivered ones; null when none was. */
  medianSecondsToDelivered: number | null;
}

/** Months to report, `YYYY-MM`, both inclusive; either may be open. */
export interface MonthRange {
  fromMonth?: string;
  toMonth?: string;
}

/**
 * The OZG progress read model (issue 15): per owner tenant, service and month of receipt, how many
 * applications reached the back office digitally end to end. Receipt is `submitted_at` (the sender's
 * submit; `created_at` for channels that receive in one step), delivery the audit record of the move to
 * DELIVERED. `tenantIds` scopes as everywhere: a back office also counts what it processes for others.
 */
export class OzgProgress extends SchemaStore {
  async byMonth(scope: { tenantIds?: readonly string[] } & MonthRange): Promise<OzgProgressRow[]> {
    const s = this.s;
    const rows = await this.query<{
      tenant_id: string;
      service_identifier: string;
      month: string;
      received: number;
      delivered: number;
      rejected: number;
      dead_lettered: number;
      delegated: number;
      median_seconds: number | null;
    }>(
      `WITH r AS (
         SELECT s.tenant_id, s.service_identifier, s.state, s.delegation_id,
                to_char(COALESCE(s.submitted_at, s.created_at) AT TIME ZONE 'Europe/Berlin', 'YYYY-MM') AS month,
                COALESCE(s.submitted_at, s.created_at) AS received_at,
                (SELECT max(a.at) FROM ${s}.audit a WHERE a.submission_id = s.submission_id AND a.to_state = 'DELIVERED') AS delivered_at
           FROM ${s}.submissions s
          WHERE s.state <> 'CREATED' AND ${visibleToOrAll('s', '$1')})
       SELECT tenant_id, service_identifier, month,
              count(*)::int AS received,
              count(*) FILTER (WHERE state = 'DELIVERED')::int AS delivered,
              count(*) FILTER (WHERE state = 'REJECTED')::int AS rejected,
              count(*) FILTER (WHERE state = 'FAILED')::int AS dead_lettered,
              count(*) FILTER (WHERE delegation_id IS NOT NULL)::int AS delegated,
              (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - received_at))
                 FILTER (WHERE state = 'DELIVERED' AND delivered_at IS NOT NULL))::float8 AS median_seconds
         FROM r
        WHERE ($2::text IS NULL OR month >= $2) AND ($3::text IS NULL OR month <= $3)
        GROUP BY 1, 2, 3 ORDER BY 3, 1, 2`,
      [scope.tenantIds ? [...scope.tenantIds] : null, scope.fromMonth ?? null, scope.toMonth ?? null],
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      serviceIdentifier: r.service_identifier,
      month: r.month,
      received: r.received,
      delivered: r.delivered,
      rejected: r.rejected,
      deadLettered: r.dead_lettered,
      delegated: r.delegated,
      medianSecondsToDelivered: r.median_seconds === null ? null : Math.round(r.median_seconds * 1000) / 1000,
    }));
  }
}
