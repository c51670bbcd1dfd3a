/** One audit record: what happened (actor, stage, states, hashes, details) and where it sits in its chain. */
export interface AuditRecord {
  /** Global insertion number: orders records across chains for readers; not part of the evidence. */
  seq: number;
  at: Date;
  /** `submission:<id>`, `hub:<n>` (records without a submission) or `legacy` (before migration 0006). */
  chain: string;
  /** Position in the chain, 1, 2, 3, … without gaps. */
  chainSeq: number;
  tenantId: string | null;
  submissionId: string | null;
  actor: string;
  stage: string;
  fromState: string | null;
  toState: string | null;
  inputHash: string | null;
  outputHash: string | null;
  details: Record<string, unknown>;
  /** Hash of the previous record of the chain (GENESIS_HASH for the first). */
  prevHash: string;
  /** sha256 over prevHash and the record's content: anyone can recompute it. */
  hash: string;
  /** Evidence key of the MAC; null only in the legacy chain. */
  kid: string | null;
  /** HMAC-SHA-256 of `hash` under the evidence key: only the hub can compute it. */
  mac: string | null;
}

export interface AuditDbRow {
  seq: string;
  at: Date;
  chain: string;
  chain_seq: string;
  tenant_id: string | null;
  submission_id: string | null;
  actor: string;
  stage: string;
  from_state: string | null;
  to_state: string | null;
  input_hash: string | null;
  output_hash: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
  kid: string | null;
  mac: string | null;
}

/** Maps an audit row to the API shape (bigint columns arrive as strings). */
export function toAuditRecord(r: AuditDbRow): AuditRecord {
  return {
    seq: Number(r.seq),
    at: r.at,
    chain: r.chain,
    chainSeq: Number(r.chain_seq),
    tenantId: r.tenant_id,
    submissionId: r.submission_id,
    actor: r.actor,
    stage: r.stage,
    fromState: r.from_state,
    toState: r.to_state,
    inputHash: r.input_hash,
    outputHash: r.output_hash,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
    kid: r.kid,
    mac: r.mac,
  };
}
