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

/** The chain of everything that happens to one submission. */
export function submissionChain(submissionId: string): string {
  return `submission:${submissionId}`;
}

/** The chain a record goes to: its submission's own chain, else one of the hub chains. */
export function chainOf(submissionId: string | null | undefined): string {
  return submissionId ? submissionChain(submissionId) : `hub:${randomInt(HUB_CHAINS)}`;
}

/** A chain's head, read under its row lock (held until commit): where the next record goes and what it links to. */
export interface AuditHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
  /** The tenant the chain's records carry (a submission's tenant). */
  readonly tenantId: string | null;
}

/**
 * SQL for a lateral subquery that locks an existing chain head and reads it (`head_seq`, `head_hash`), so a
 * statement that already writes the submission row takes the head in the same round trip. The chain name is
 * the parameter `chainParam`. A chain without a head row yet gives NULLs: the caller then takes it with lockHead.
 */
export function headForUpdateSql(s: string, chainParam: string): string {
  return `LEFT JOIN LATERAL (SELECT chain_seq AS head_seq, hash AS head_hash FROM ${s}.audit_heads WHERE chain = ${chainParam} FOR UPDATE) head ON true`;
}

/**
 * SQL for a CTE `head` that creates the head row of a new chain (or takes the existing one) in the statement
 * that creates its subject (the CTE `subject`, so the subject's row comes first in the lock order), locked
 * until commit like lockHead. Gives `head_seq`, `head_hash`.
 */
export function newHeadCte(s: string, chainParam: string, subject: string): string {
  return `head AS (INSERT INTO ${s}.audit_heads AS h (chain, chain_seq, hash, at) SELECT ${chainParam}, 0, '${GENESIS_HASH}', now() FROM ${subject}
     ON CONFLICT (chain) DO UPDATE SET chain_seq = h.chain_seq RETURNING h.chain_seq AS head_seq, h.hash AS head_hash)`;
}

/** The columns headForUpdateSql adds to a statement's result. */
export interface HeadColumns {
  head_seq: string | null;
  head_hash: string | null;
}

/** The head read by headForUpdateSql, or undefined when the chain has no head row yet. */
export function headOf(
  row: HeadColumns,
  chain: string,
  tenantId: string | null,
): AuditHead | undefined {
  if (row.head_seq === null || row.head_hash === null) return undefined;
  return { chain, seq: Number(row.head_seq), hash: row.head_hash, tenantId };
}

/**
 * Takes a chain's head row (creating it for a new chain) and holds its lock until commit: appends to one
 * chain are sequential, appends to different chains never wait on each other. A transition already holds
 * its submission's row, so the head lock of that submission's chain is uncontended.
 */
export async function lockHead(client: PoolClient, s: string, input: Pick<AuditInput, 'submissionId' | 'tenantId'>): Promise<AuditHead> {
  const chain = chainOf(input.submissionId);
  const head = await client.query<{ chain_seq: string; hash: string; tenant_id: string | null }>(
    `INSERT INTO ${s}.audit_heads AS h (chain, chain_seq, hash, at) VALUES ($1, 0, $2, now())
     ON CONFLICT (chain) DO UPDATE SET chain_seq = h.chain_seq
     RETURNING h.chain_seq, h.hash, COALESCE((SELECT tenant_id FROM ${s}.submissions WHERE submission_id = $3), $4) AS tenant_id`,
    [chain, GENESIS_HASH, input.submissionId ?? null, input.tenantId ?? null],
  );
  const row = head.rows[0]!;
  return { chain, seq: Number(row.chain_seq), hash: row.hash, tenantId: row.tenant_id };
}

/**
 * Appends one record to its chain inside the caller's transaction, in two statements: lockHead, then
 * appendAuditAt. The record's hash links it to the head; its MAC under the current evidence key is what a
 * database owner cannot recompute.
 */
export async function appendAudit(client: PoolClient, s: string, input: AuditInput): Promise<void> {
  await appendAuditAt(client, s, await lockHead(client, s, input), input);
}

/**
 * Writes the record after `head` and moves the head to it, in one statement. `head` must have been read
 * under its row lock in this same transaction (lockHead or headForUpdateSql) and after any earlier append
 * of this transaction to the chain, so nothing appended in between.
 * Details go through JSON once so the hashed value is exactly what jsonb gives back.
 */
export async function appendAuditAt(client: PoolClient, s: string, head: AuditHead, input: AuditInput): Promise<void> {
  const keys = auditKeysFor(s);
  const record = {
    seq: 0,
    chain: head.chain,
    chainSeq: head.seq + 1,
    // milliseconds, as a JS Date holds them, so verification recomputes the same ISO string
    at: new Date(),
    tenantId: head.tenantId,
    submissionId: input.submissionId ?? null,
    actor: input.actor,
    stage: input.stage,
    fromState: input.fromState ?? null,
    toState: input.toState ?? null,
    inputHash: input.inputHash ?? null,
    outputHash: input.outputHash ?? null,
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
  };
  const hash = auditHash(head.hash, record);
  const kid = keys.currentKid;
  await client.query(
    `WITH head AS (UPDATE ${s}.audit_heads SET chain_seq = $2, hash = $14, at = $3 WHERE chain = $1)
     INSERT INTO ${s}.audit (chain, chain_seq, at, tenant_id, submission_id, actor, stage, from_state, to_state,
                             input_hash, output_hash, details, prev_hash, hash, kid, mac)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      record.chain,
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
      head.hash,
      hash,
      kid,
      keys.mac(kid, macInput(hash)),
    ],
  );
}
