import { checkpointName, leafOf, type CheckpointFile, type CheckpointHead, type CheckpointLog } from './audit-checkpoint.js';
import { chainOf } from './audit-chain.js';
import { toAuditRecord, type AuditDbRow, type AuditRecord } from './audit-rows.js';
import { merkleProof } from './merkle.js';
import { SchemaStore } from './schema-store.js';

/**
 * How the newest checkpoint that sealed a chain proves its head: the checkpoint's JWS (signed by the evidence
 * key), the sealed head, and the RFC 6962 audit path of that head under the checkpoint's Merkle root.
 */
export interface ChainAnchor {
  checkpoint: { no: number; jws: string };
  head: CheckpointHead;
  /** Position of the head among the checkpoint's heads and their number: the Merkle proof's index and tree size. */
  leafIndex: number;
  treeSize: number;
  proof: string[];
}

/** One submission's audit chain as evidence: every record (with links, hashes, MACs) and its anchor, if sealed yet. */
export interface EvidenceChain {
  chain: string;
  records: AuditRecord[];
  anchor: ChainAnchor | null;
}

/** Reads what an evidence bundle needs of the audit: a submission's chain and the checkpoint that anchors it. */
export class EvidenceChainReader extends SchemaStore {
  async chainOf(submissionId: string, log: CheckpointLog): Promise<EvidenceChain> {
    const chain = chainOf(submissionId);
    const rows = await this.query<AuditDbRow>(`SELECT * FROM ${this.s}.audit WHERE chain = $1 ORDER BY chain_seq, seq`, [chain]);
    const sealed = await this.query<{ checkpoint_no: string }>(
      `SELECT checkpoint_no FROM ${this.s}.audit_checkpoint_heads WHERE chain = $1 ORDER BY checkpoint_no DESC LIMIT 1`,
      [chain],
    );
    const no = sealed[0] ? Number(sealed[0].checkpoint_no) : undefined;
    return { chain, records: rows.map(toAuditRecord), anchor: no === undefined ? null : await anchorIn(log, no, chain) };
  }
}

/** The anchor of `chain` in checkpoint `no`, read from the append-only log (not the database index). */
async function anchorIn(log: CheckpointLog, no: number, chain: string): Promise<ChainAnchor | null> {
  const text = await log.get(checkpointName(no));
  if (text === undefined) return null;
  const file = JSON.parse(text) as CheckpointFile;
  const leafIndex = file.heads.findIndex((h) => h[0] === chain);
  if (leafIndex < 0) return null;
  return {
    checkpoint: { no, jws: file.jws },
    head: file.heads[leafIndex]!,
    leafIndex,
    treeSize: file.heads.length,
    proof: merkleProof(file.heads.map(leafOf), leafIndex),
  };
}
