import { ErrorCode, WeicheError } from '@weiche/core';
import { checkChainRecords, EvidenceChainReader, RetentionStore, type AuditRecord } from '@weiche/journal';
import { checkpointNow } from '../audit-checkpointer.js';
import { channelRecord } from '../channels/channel-record.js';
import type { HubDeps } from '../context.js';

/** JWS `typ` of an evidence bundle (its payload is the bundle's JSON). */
export const EVIDENCE_BUNDLE_TYP = 'weiche-evidence-bundle';

export type EvidenceBundleDeps = Pick<HubDeps, 'config' | 'log' | 'pool' | 'journal' | 'channels' | 'evidence' | 'auditLog' | 'hub' | 'issuer'>;

/** An evidence bundle and its compact JWS (signed by the current evidence key). */
export interface SignedEvidenceBundle {
  bundle: Record<string, unknown>;
  jws: string;
}

/** The decrypted parts' hashes as the OPENED audit record keeps them (processor: decryptedParts). */
function decryptedParts(records: readonly AuditRecord[]): unknown[] {
  const opened = records.filter((r) => r.toState === 'OPENED').at(-1);
  const parts = opened?.details.decrypted;
  return Array.isArray(parts) ? parts : [];
}

/**
 * One signed JSON document of everything the hub can prove about a submission (docs/evidence.md): its journal
 * row, the hashes of what was received (blob keys are sha256 of the stored bytes), of the decrypted parts and of
 * every output package, mapping module and version, deliveries with the adapters' receipts, what the channel
 * told the sender, what retention deleted and when (and whether the tenant's key was shredded), and the submission's whole audit chain with the checkpoint
 * that anchors its head (JWS and Merkle audit path). Before building it seals the chain with a checkpoint, so
 * the bundle reaches a signed anchor; if another process is writing one at that moment, the newest records may
 * be unanchored (the offline check says so). Undefined when there is no such submission.
 */
export async function buildEvidenceBundle(deps: EvidenceBundleDeps, submissionId: string): Promise<SignedEvidenceBundle | undefined> {
  const row = await deps.journal.getSubmission(submissionId);
  if (!row) return undefined;
  await checkpointNow(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'checkpoint before an evidence bundle failed; the bundle names the last anchor'));
  const store = { pool: deps.pool, schema: deps.config.database.schema };
  const retention = new RetentionStore(store);
  const [{ evidence: chain, seals, indexedCheckpoint }, deliveries, deleted, shreddedAt, record] = await Promise.all([
    new EvidenceChainReader(store).chainOf(submissionId, deps.auditLog),
    deps.journal.listDeliveries(submissionId),
    retention.deletedAt(submissionId),
    retention.shreddedAt(row.tenantId),
    channelRecord(deps, row),
  ]);
  // the signature vouches for the records: a forged or changed one (MAC, hash, link, position), or newest records
  // deleted after a checkpoint sealed them (also under a newer checkpoint that sealed the chain set back), is refused, not signed
  const anchor = chain.anchor ? { no: chain.anchor.checkpoint.no, head: chain.anchor.head } : undefined;
  const problem = checkChainRecords(chain.chain, chain.records, deps.evidence, seals);
  if (anchor && indexedCheckpoint !== anchor.no) {
    // the anchor comes from the append-only log; an index naming another checkpoint was altered (or its writer died before the commit)
    deps.log.error({ submissionId, chain: chain.chain, checkpoint: anchor.no, indexed: indexedCheckpoint ?? null }, 'the database index of the audit checkpoints does not name the newest checkpoint that sealed this chain; run weiche audit verify');
  }
  if (problem) {
    deps.log.error({ submissionId, chain: problem.chain, seq: problem.seq, reason: problem.reason }, 'evidence bundle refused: the audit chain does not verify');
    throw new WeicheError(ErrorCode.CONFLICT, `the audit chain of this submission does not verify (record #${problem.seq}: ${problem.reason}): no bundle is signed; run weiche audit verify`, { status: 409 });
  }
  const outputs = Object.entries(row.outputs ?? {}).map(([target, o]) => ({
    target,
    packageName: o.packageName,
    mimeType: o.mimeType,
    size: o.size,
    sha256: o.sha256,
    prozessId: o.prozessId,
    mappingModule: o.mappingModule,
    mappingVersion: o.mappingVersion,
    // sha256 of the package as stored (encrypted at rest with the tenant's data key)
    storedAs: o.blobKey,
  }));
  const bundle = {
    v: 1,
    type: EVIDENCE_BUNDLE_TYP,
    issuedAt: new Date().toISOString(),
    issuer: deps.issuer,
    hub: deps.hub,
    submission: {
      submissionId: row.submissionId,
      tenantId: row.tenantId,
      channel: row.channel,
      channelRef: row.channelRef,
      serviceIdentifier: row.serviceIdentifier,
      serviceName: row.serviceName,
      state: row.state,
      problem: row.problem,
      createdAt: row.createdAt,
      submittedAt: row.submittedAt,
      updatedAt: row.updatedAt,
      acknowledgedAt: row.acknowledgedAt,
    },
    received: record?.received ?? [],
    decrypted: decryptedParts(chain.records),
    outputs,
    mapping: [...new Set(outputs.map((o) => `${o.mappingModule}@${o.mappingVersion}`))],
    deliveries: deliveries.map((d) => ({ routeId: d.routeId, adapterInstance: d.adapterInstance, target: d.target, state: d.state, attempts: d.attempts, deliveredAt: d.deliveredAt, receipt: d.receipt })),
    transport: record?.transport ?? null,
    // what is gone on purpose; the tenant key's destruction is recorded in a hub chain (`weiche audit verify` checks it)
    retention: { outputsDeletedAt: deleted?.outputs ?? null, receivedDeletedAt: deleted?.received ?? null, tenantKeyShreddedAt: shreddedAt },
    audit: chain,
  };
  // through JSON once: dates become ISO strings, and what is signed is exactly what a verifier parses
  const json = JSON.parse(JSON.stringify(bundle)) as Record<string, unknown>;
  return { bundle: json, jws: await deps.evidence.sign(json, EVIDENCE_BUNDLE_TYP) };
}
