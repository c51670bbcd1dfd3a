/**
 * 0003 — the hub writes each of its events (create-, submit-, accept-, reject-submission) at most
 * once per submission. Two workers finishing the last two routes at the same moment, or a job
 * re-run after a crash, must not put a second accept-submission into the case's event log.
 */
export const migration0003 = {
  id: '0003_one_event_per_name',
  sql: (s: string): string => `
DROP INDEX IF EXISTS ${s}.events_submission_name_idx;
CREATE UNIQUE INDEX events_submission_name_uq ON ${s}.events (submission_id, event_name);
`,
} as const;
