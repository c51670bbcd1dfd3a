import { createHash } from 'node:crypto';
import type { AuditRecord } from './audit-rows.js';
import { canonicalJson } from './canonical-json.js';

/** prevHash of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chain of the records written before migration 0006: one linear chain, hashed by legacyAuditHash, no MAC. */
export const LEGACY_CHAIN = 'legacy';

type Content = Omit<AuditRecord, 'prevHash' | 'hash' | 'kid' | 'mac'>;

function sha256(prevHash: string, content: string): string {
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

/** The fields both hash versions cover. */
function common(r: Content): Record<string, unknown> {
  return {
    at: r.at.toISOString(),
    submissionId: r.submissionId,
    actor: r.actor,
    stage: r.stage,
    fromState: r.fromState,
    toState: r.toState,
    inputHash: r.inputHash,
    outputHash: r.outputHash,
    details: r.details,
  };
}

/**
 * sha256 hex over prevHash + '\n' + canonical JSON of the record's content, including its chain and
 * position and tenant. The global `seq` is left out: it only orders records for readers.
 */
export function auditHash(prevHash: string, r: Content): string {
  return sha256(prevHash, canonicalJson({ v: 2, chain: r.chain, chainSeq: r.chainSeq, tenantId: r.tenantId, ...common(r) }));
}

/** The hash of the records before migration 0006 (one global chain ordered by seq), kept to verify them. */
export function legacyAuditHash(prevHash: string, r: Content): string {
  return sha256(prevHash, canonicalJson({ seq: r.seq, ...common(r) }));
}

/** What the MAC of a record covers: its hash, which covers its content and, through prevHash, all before it. */
export function macInput(hash: string): string {
  return `weiche-audit-record\n${hash}`;
}
