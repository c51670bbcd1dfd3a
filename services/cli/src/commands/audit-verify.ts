import { createPool, verifyAudit, type AuditVerdict } from '@weiche/journal';
import { auditCheckpointLog, loadEvidenceKeys } from '@weiche/hub';
import { hubConfig } from './hub-config.js';

export interface AuditVerifyArgs {
  config?: string | undefined;
  tenant?: string | undefined;
  /** ISO 8601 date or date-time. */
  since?: string | undefined;
  /** Print the verdict as JSON (the admin API's shape) instead of the message. */
  json?: boolean | undefined;
}

/** Exit code when the audit is not intact (records changed, forged, missing; a checkpoint bad or gone); 1 is an error, 2 a usage error. */
export const AUDIT_BROKEN_EXIT = 3;

/**
 * `weiche audit verify [--tenant T] [--since D] [--json]`: verifies the audit chains and the signed
 * checkpoints with the hub's evidence keys (read, never created). Progress goes to stderr; the verdict's
 * message (or JSON) to stdout; exit 0 when intact, 3 when not. Independent of the argument parser.
 */
export async function auditVerify(args: AuditVerifyArgs, out: { log: (s: string) => void; progress: (s: string) => void } = defaultOut): Promise<number> {
  const since = args.since === undefined ? undefined : new Date(args.since);
  if (since !== undefined && Number.isNaN(since.getTime())) throw new Error(`--since: not a date (ISO 8601, e.g. 2025-01-31 or 2025-01-31T12:00:00Z): ${args.since}`);
  const config = await hubConfig(args.config);
  // a mistyped tenant selects no chain, and "audit intact: 0 of 0 records" would read as a clean bill (the API answers 404)
  if (args.tenant !== undefined && !config.tenants.some((t) => t.id === args.tenant)) throw new Error(`--tenant: no tenant ${args.tenant} in the configuration`);
  const keys = await loadEvidenceKeys(config, { create: false });
  const pool = createPool(config.database.url);
  let reported = 0;
  try {
    const verdict: AuditVerdict = await verifyAudit({
      pool,
      schema: config.database.schema,
      keys,
      log: auditCheckpointLog(config),
      ...(args.tenant !== undefined ? { tenant: args.tenant } : {}),
      ...(since !== undefined ? { since } : {}),
      onProgress: ({ checked, estimate }) => {
        // about every 100,000 records: enough to see it move through millions
        if (checked - reported < 100_000) return;
        reported = checked;
        out.progress(`… ${checked} of about ${estimate} records checked`);
      },
    });
    out.log(args.json ? JSON.stringify(verdict, null, 2) : verdict.message);
    return verdict.ok ? 0 : AUDIT_BROKEN_EXIT;
  } finally {
    await pool.end();
  }
}

const defaultOut = { log: (s: string) => console.log(s), progress: (s: string) => console.error(s) };
