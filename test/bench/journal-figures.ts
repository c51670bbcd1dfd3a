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

/** The stages of the hot path, as consecutive audit transitions (to_state), and the accept event after them. */
export const STAGES = ['RECEIVED', 'OPENED', 'MAPPED', 'ROUTED', 'DELIVERING', 'DELIVERED', 'accept-submission'] as const;

/**
 * How long each stage took per submission, in ms: from the audit record of the previous state to the
 * record of this one (queue waits included), and DELIVERED → the accept-submission event's created_at.
 * Keys are "FROM→TO"; submissions missing a record are left out of that stage.
 */
export async function stageDurations(client: pg.Client, schema: string, ids: readonly string[]): Promise<Record<string, number[]>> {
  const result = await client.query<{ submission_id: string; state: string; at: Date }>(
    `SELECT submission_id, to_state AS state, min(at) AS at FROM "${schema}".audit
      WHERE submission_id = ANY($1) AND to_state IS NOT NULL GROUP BY submission_id, to_state
     UNION ALL
     SELECT submission_id, event_name AS state, min(created_at) AS at FROM "${schema}".events
      WHERE submission_id = ANY($1) AND event_name = 'accept-submission' GROUP BY submission_id, event_name`,
    [ids],
  );
  const bySubmission = new Map<string, Map<string, number>>();
  for (const r of result.rows) {
    const times = bySubmission.get(r.submission_id) ?? new Map<string, number>();
    times.set(r.state, r.at.getTime());
    bySubmission.set(r.submission_id, times);
  }
  const out: Record<string, number[]> = {};
  for (const times of bySubmission.values()) {
    for (let i = 1; i < STAGES.length; i++) {
      const from = times.get(STAGES[i - 1]!);
      const to = times.get(STAGES[i]!);
      if (from === undefined || to === undefined) continue;
      (out[`${STAGES[i - 1]}→${STAGES[i]}`] ??= []).push(to - from);
    }
  }
  return out;
}
