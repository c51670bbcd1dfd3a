export { createPool } from './create-pool.js';
export { migrate } from './migrate.js';
export { Journal, type CreateSubmissionInput, type EventInput, type TransitionInput } from './journal.js';
export type { SubmissionRow, SubmissionPatch, DeliveryRow, AuditRecord, StoredOutput, SubmissionProblem } from './rows.js';
export { auditHash, GENESIS_HASH } from './audit-hash.js';
export { canonicalJson } from './canonical-json.js';
export { JournalQueries, DISCARD_STAGE, type SubmissionSummary, type SubmissionSearch, type Page, type DeliverySummary, type DeadLetter, type Timeline, type TimelineEntry } from './queries.js';
export { XtaStore, type MsgBoxEntry } from './xta-store.js';
