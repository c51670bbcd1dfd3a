/**
 * 0010 — how long each delivery attempt took (adapter.deliver, ms). The metrics are read from the
 * journal, so every dispatcher's attempts reach the one histogram `weiche_delivery_duration_seconds`
 * per adapter instance, whichever process serves /metrics. Null for attempts made before this column.
 */
export const migration0010 = {
  id: '0010_attempt_duration',
  sql: (s: string): string => `
ALTER TABLE ${s}.delivery_attempts ADD COLUMN IF NOT EXISTS duration_ms integer CHECK (duration_ms >= 0);
`,
} as const;
