export { createPool } from './create-pool.js';
export { migrate } from './migrate.js';
export { EventNotWritten, Journal, type AttachmentRow, type CreateSubmissionInput, type EventInput, type TransitionInput } from './journal.js';
export type { SubmissionRow, SubmissionPatch, DeliveryRow, StoredOutput, SubmissionProblem } from './rows.js';
export type { AuditRecord } from './audit-rows.js';
export { auditHash, legacyAuditHash, macInput, GENESIS_HASH, LEGACY_CHAIN } from './audit-hash.js';
export { bindAuditKeys, type AuditKeys } from './audit-keys.js';
export { appendAudit, chainOf, type AuditInput } from './audit-chain.js';
export {
  writeCheckpoint,
  MAX_CHAINS_PER_CHECKPOINT,
  ensureAuditPartitions,
  openCheckpoint,
  checkpointName,
  CHECKPOINT_TYP,
  type CheckpointLog,
  type CheckpointPayload,
  type CheckpointFile,
  type CheckpointHead,
  type CheckpointSummary,
} from './audit-checkpoint.js';
export { checkChainRecords, verifyAudit, type AuditVerdict, type AuditProblem, type AuditGap, type VerifyAuditOptions } from './audit-verify.js';
export { merkleRoot, merkleProof, verifyMerkleProof } from './merkle.js';
export { EvidenceChainReader, type EvidenceChain, type ChainAnchor, type ChainSeal } from './evidence-chain.js';
export { BlobReferenceStore } from './blob-reference-store.js';
export { RetentionStore, RETENTION_STAGE, SHRED_STAGE, type RetainedData } from './retention-store.js';
export { MsgBoxRetentionStore, type ClosedPackage } from './msgbox-retention-store.js';
export { canonicalJson } from './canonical-json.js';
export { JournalQueries, DISCARD_STAGE, type TimeRange, type SubmissionSummary, type SubmissionSearch, type Page, type DeliverySummary, type DeadLetter, type Timeline, type TimelineEntry } from './queries.js';
export { XtaStore, type MsgBoxEntry, type MsgBoxPosition, type MsgBoxSelection } from './xta-store.js';
export { DmsConfirmationStore, DMS_CONFIRMATION_STAGE, type DmsConfirmationRow, type ProzessOwner, type RecordConfirmationInput } from './dms-confirmation-store.js';
export { AuditTrail, type AuditTrailRecord, type AuditTrailSearch } from './audit-trail.js';
export type { DeadLetterFilter } from './dead-letter-filter.js';
export { MissingAttachmentStore, type MissingSince } from './missing-attachment-store.js';
export { MANY_RECLOSES, UpstreamStore, type FailureCounts as UpstreamFailureCounts, type UpstreamClose, type UpstreamRecord, type PollOutcome as UpstreamPollOutcome } from './upstream-store.js';
export { DelegationStore, DELEGATIONS_STAGE, type StoredDelegations } from './delegation-store.js';
export { OzgProgress, type OzgProgressRow, type MonthRange } from './ozg-progress.js';
export { CallbackStore, CALLBACK_STAGE, type CallbackRow, type CallbackState } from './callback-store.js';
