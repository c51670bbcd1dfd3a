import { randomInt } from 'node:crypto';
import type { PoolClient } from 'pg';
import { auditHash, GENESIS_HASH, macInput } from './audit-hash.js';
import { auditKeysFor } from './audit-keys.js';

/** Records without a submission (operator actions) spread over this many hub chains, so they rarely wait on each other. */
const HUB_CHAINS = 4;

export interface AuditInput {
  submissionId?: string | null;
  /** The tenant a record without a submission concerns (e.g. a tenant's crypto-shredding); a submission's record takes its submission's tenant. */
  tenantId?: string | null;
  actor: string;
  stage: string;
  fromState?: string | null;
  toState?: string | null;
  inputHash?: string | undefined;
  outputHash?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** The chain a record goes to: its submission's own chain, else one of the hub chains. */
export function chainOf(submissionId: string | null | undefined): string {
  return submissionId ? `submission:${submissionId}` : `hub:${randomInt(HUB_CHAINS)}`;
}

/**
 * Appends one record to its chain inside the caller's transaction, in two statements. The first takes
 * the chain's head row (creating it for a new chain) and holds its lock until commit: appends to one chain
 * are sequential, appends to different chains never wait on each other. A transition already holds its
 * submission's row, so the head lock of that submission's chain is uncontended. The record's hash links
 * it to the head; its MAC under the current evidence key is what a database owner cannot recompute.
 * Details go through JSON once so the hashed value is exactly what jsonb gives back.
 */
export async function appendAudit(client: PoolClient, s: string, input: AuditInput): Promise<void> {
  const keys = auditKeysFor(s);
  const chain = chainOf(input.submissionId);
  const submissionId = input.submissionId ?? null;
  const head = await client.query<{ chain_seq: string; hash: string; tenant_id: string | null }>(
    `INSERT INTO ${s}.audit_heads AS h (chain, chain_seq, hash, at) VALUES ($1, 0, $2, now())
     ON CONFLICT (chain) DO UPDATE SET chain_seq = h.chain_seq
     RETURNING h.chain_seq, h.hash, COALESCE((SELECT tenant_id FROM ${s}.submissions WHERE submission_id = $3), $4) AS tenant_id`,
    [chain, GENESIS_HASH, submissionId, input.tenantId ?? null],
  );
  const { chain_seq: headSeq, hash: prevHash, tenant_id: tenantId } = head.rows[0]!;
  const record = {
    seq: 0,
    chain,
    chainSeq: Number(headSeq) + 1,
    // milliseconds, as a JS Date holds them, so verification recomputes the same ISO string
    at: new Date(),
    tenantId,
    submissionId,
    actor: input.actor,
    stage: input.stage,
    fromState: input.fromState ?? null,
    toState: input.toState ?? null,
    inputHash: input.inputHash ?? null,
    outputHash: input.outputHash ?? null,
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
  };
  const hash = auditHash(prevHash, record);
  const kid = keys.currentKid;
  await client.query(
    `WITH head AS (UPDATE ${s}.audit_heads SET chain_seq = $2, hash = $14, at = $3 WHERE chain = $1)
     INSERT INTO ${s}.audit (chain, chain_seq, at, tenant_id, submission_id, actor, stage, from_state, to_state,
                             input_hash, output_hash, details, prev_hash, hash, kid, mac)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      chain,
      record.chainSeq,
      record.at,
      record.tenantId,
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
      kid,
      keys.mac(kid, macInput(hash)),
    ],
  );
}
