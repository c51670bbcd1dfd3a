import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { AuditRecord } from './rows.js';

/** prevHash of the first audit record. */
export const GENESIS_HASH = '0'.repeat(64);

/** sha256 hex over prevHash + '\n' + canonical JSON of the record's content fields. */
export function auditHash(prevHash: string, r: Omit<AuditRecord, 'prevHash' | 'hash'>): string {
  const content = canonicalJson({
    seq: r.seq,
    at: r.at.toISOString(),
    submissionId: r.submissionId,
    actor: r.actor,
    stage: r.stage,
    fromState: r.fromState,
    toState: r.toState,
    inputHash: r.inputHash,
    outputHash: r.outputHash,
    details: r.details,
  });
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}
