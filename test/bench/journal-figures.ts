/** What the benchmark reads back from the journal (PostgreSQL): states, audit times, accept events. */
import type pg from 'pg';

export interface SubmissionTimes {
  readonly submissionId: string;
  readonly receivedAt: Date;
  readonly deliveredAt: Date;
  readonly deliveredRecords: number;
}

/** Counts the submissions among `ids` per state (submissions table). */
export async function stateCounts(client: pg.Client, schema: string, ids: readonly string[]): Promise<Record<string, number>> {
  const result = await client.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "${schema}".submissions WHERE submission_id = ANY($1) GROUP BY state`,
    [ids],
  );
  return Object.fromEntries(result.rows.map((r) => [r.state, r.n]));
}

/** Counts accept-submission SETs written for `ids` (events table). */
export async function acceptCount(client: pg.Client, schema: string, ids: readonly string[]): Promise<{ count: number; last: Date | undefined }> {
  const result = await client.query<{ n: number; last: Date | null }>(
    `SELECT count(*)::int AS n, max(created_at) AS last FROM "${schema}".events WHERE event_name = 'accept-submission' AND submission_id = ANY($1)`,
    [ids],
  );
  const row = result.rows[0];
  return { count: row?.n ?? 0, last: row?.last ?? undefined };
}

/** RECEIVED and DELIVERED audit times per submission (the hash-chained audit records, to_state). */
export async function auditTimes(client: pg.Client, schema: string, ids: readonly string[]): Promise<SubmissionTimes[]> {
  const result = await client.query<{ submission_id: string; received: Date | null; delivered: Date | null; delivered_records: number }>(
    `SELECT submission_id,
            min(at) FILTER (WHERE to_state = 'RECEIVED')  AS received,
            min(at) FILTER (WHERE to_state = 'DELIVERED') AS delivered,
            count(*) FILTER (WHERE to_state = 'DELIVERED')::int AS delivered_records
       FROM "${schema}".audit WHERE submission_id = ANY($1) GROUP BY submission_id`,
    [ids],
  );
  return result.rows.flatMap((r) =>
    r.received && r.delivered ? [{ submissionId: r.submission_id, receivedAt: r.received, deliveredAt: r.delivered, deliveredRecords: r.delivered_records }] : [],
  );
}

/** The delivered package file name of each submission. */
export async function packageNames(client: pg.Client, schema: string, ids: readonly string[]): Promise<Map<string, string>> {
  const result = await client.query<{ submission_id: string; package_name: string | null }>(
    `SELECT submission_id, package_name FROM "${schema}".submissions WHERE submission_id = ANY($1)`,
    [ids],
  );
  return new Map(result.rows.flatMap((r) => (r.package_name ? [[r.submission_id, r.package_name] as const] : [])));
}
