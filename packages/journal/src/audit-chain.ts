import type { PoolClient } from 'pg';
import { GENESIS_HASH, auditHash } from './audit-hash.js';

/** Constant class of the transaction-level advisory lock that keeps the audit chain linear (one lock per schema). */
const AUDIT_LOCK_CLASS = 0x57c4a0d1;

export interface AuditInput {
  submissionId?: string | null;
  actor: string;
  stage: string;
  fromState?: string | null;
  toState?: string | null;
  inputHash?: string | undefined;
  outputHash?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/**
 * Appends one record to the hash chain inside the caller's transaction. The advisory lock (held until
 * commit) makes chain appends strictly sequential; call this last in a transaction to hold it briefly.
 * Details go through JSON once so the hashed value is exactly what jsonb gives back.
 */
export async function appendAudit(client: PoolClient, s: string, input: AuditInput): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AUDIT_LOCK_CLASS, s]);
  const last = await client.query<{ hash: string }>(`SELECT hash FROM ${s}.audit ORDER BY seq DESC LIMIT 1`);
  const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
  const seqRow = await client.query<{ seq: string }>(
    `SELECT nextval(pg_get_serial_sequence($1, 'seq')) AS seq`,
    [`${s}.audit`],
  );
  const record = {
    seq: Number(seqRow.rows[0]?.seq),
    // milliseconds, as a JS Date holds them, so verification recomputes the same ISO string
    at: new Date(),
    submissionId: input.submissionId ?? null,
    actor: input.actor,
    stage: input.stage,
    fromState: input.fromState ?? null,
    toState: input.toState ?? null,
    inputHash: input.inputHash ?? null,
    outputHash: input.outputHash ?? null,
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
  };
  const hash = auditHash(prevHash, record);
  await client.query(
    `INSERT INTO ${s}.audit (seq, at, submission_id, actor, stage, from_state, to_state, input_hash, output_hash, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      record.seq,
      record.at,
      record.submissionId,
      record.actor,
      record.stage,
      record.fromState,
      record.toState,
      record.inputHash,
      record.outputHash,
      JSON.stringify(record.details),
      prevHash,
      hash,
    ],
  );
}
