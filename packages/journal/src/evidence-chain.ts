import { checkpointName, checkpointNo, leafOf, type CheckpointFile, type CheckpointHead, type CheckpointLog } from './audit-checkpoint.js';
import { chainOf } from './audit-chain.js';
import { chainMarkers, markedFrom } from './chain-markers.js';
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

/** One checkpoint's seal of a chain: the checkpoint's number and the head it sealed. */
export interface ChainSeal {
  no: number;
  head: CheckpointHead;
}

/**
 * A chain as evidence, every seal of it found in the log (newest first; the anchor is the first), and the checkpoint
 * the database index names as its newest seal (to compare with the anchor).
 */
export interface EvidenceChainRead {
  evidence: EvidenceChain;
  seals: ChainSeal[];
  indexedCheckpoint: number | undefined;
}

/** Reads what an evidence bundle needs of the audit: a submission's chain and the checkpoint that anchors it. */
export class EvidenceChainReader extends SchemaStore {
  /**
   * The chain's records and its anchor: the newest checkpoint in the append-only log that sealed the chain, found
   * through the chain's markers in the log (chainAnchors), not through the database index, which the database's owner
   * can alter: an index that no longer names the newest seal must not anchor the bundle to an older one, under
   * which deleted newest records would look never written (or written but "not yet anchored"). With it come the
   * chain's older seals: the owner can also set a chain's head back in the database, so that the next checkpoint
   * seals a shorter (or re-written) chain; only the older seals show that (checkChainRecords).
   */
  async chainOf(submissionId: string, log: CheckpointLog): Promise<EvidenceChainRead> {
    const chain = chainOf(submissionId);
    const rows = await this.query<AuditDbRow>(`SELECT * FROM ${this.s}.audit WHERE chain = $1 ORDER BY chain_seq, seq`, [chain]);
    const sealed = await this.query<{ checkpoint_no: string }>(
      `SELECT checkpoint_no FROM ${this.s}.audit_checkpoint_heads WHERE chain = $1 ORDER BY checkpoint_no DESC`,
      [chain],
    );
    const indexed = sealed.map((r) => Number(r.checkpoint_no));
    const anchors = await chainAnchors(log, chain, indexed);
    return {
      evidence: { chain, records: rows.map(toAuditRecord), anchor: anchors[0] ?? null },
      seals: anchors.map((a) => ({ no: a.checkpoint.no, head: a.head })),
      indexedCheckpoint: indexed[0],
    };
  }
}

/**
 * The anchors of `chain` in every checkpoint of the log known to hold it, newest first: those its markers name
 * (chain-markers.ts) and those the database index names (for seals from before markers; the index can only hide
 * one, never forge one: each is read from the log). A marker is only a pointer; one that its checkpoint does not back
 * (left by a writer that died, or forged) is passed over. Every checkpoint from the first with markers on has them,
 * written before it, so no newer checkpoint can hold the chain unmarked. A chain without a backed marker was last
 * sealed, if at all, before markers existed: only those older checkpoints are read, from the newest down (all of
 * them when no checkpoint has markers yet), up to the first that holds the chain.
 */
async function chainAnchors(log: CheckpointLog, chain: string, indexed: readonly number[]): Promise<ChainAnchor[]> {
  const marked = await chainMarkers(log, chain);
  // checkpoint number → the chain's anchor in it (null: it does not hold the chain); each file is read once
  const read = new Map<number, ChainAnchor | null>();
  for (const no of new Set([...marked, ...indexed])) read.set(no, await anchorInFile(log, no, chain));
  if (!marked.some((no) => read.get(no))) await newestUnmarkedAnchor(log, chain, read);
  return [...read.values()].filter((a): a is ChainAnchor => a !== null).sort((a, b) => b.checkpoint.no - a.checkpoint.no);
}

/** Finds (into `read`) the anchor of `chain` in the newest checkpoint written before markers that holds it. */
async function newestUnmarkedAnchor(log: CheckpointLog, chain: string, read: Map<number, ChainAnchor | null>): Promise<ChainAnchor | null> {
  const from = await markedFrom(log);
  // the checkpoints before `from` are 1 … from - 1 (a hole is `weiche audit verify`'s finding); no listing needed
  const unmarked = from === undefined ? (await log.list()).map(checkpointNo).filter((no) => no !== undefined) : Array.from({ length: from - 1 }, (_, i) => i + 1);
  for (let i = unmarked.length - 1; i >= 0; i -= 1) {
    const no = unmarked[i]!;
    const anchor = read.has(no) ? read.get(no)! : await anchorInFile(log, no, chain);
    read.set(no, anchor);
    if (anchor) return anchor;
  }
  return null;
}

/** The anchor of `chain` in the stored checkpoint `no`, or null when there is no such checkpoint or it does not hold the chain. */
async function anchorInFile(log: CheckpointLog, no: number, chain: string): Promise<ChainAnchor | null> {
  const text = await log.get(checkpointName(no));
  // most checkpoints of a scan do not hold the chain: a text search spares parsing them
  if (text === undefined || !text.includes(JSON.stringify(chain))) return null;
  return anchorIn(JSON.parse(text) as CheckpointFile, no, chain);
}

/** The anchor of `chain` in checkpoint `no`, or null when the checkpoint does not hold it. */
function anchorIn(file: CheckpointFile, no: number, chain: string): ChainAnchor | null {
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
