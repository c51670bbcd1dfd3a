/**
 * 0009 — auditors and the console's charts read the audit chain by time (records of a time range,
 * transitions per hour); without an index on `at` each such read scans the whole chain.
 */
export const migration0009 = {
  id: '0009_audit_time_index',
  sql: (s: string): string => `
CREATE INDEX IF NOT EXISTS audit_at_idx ON ${s}.audit (at);
`,
} as const;
