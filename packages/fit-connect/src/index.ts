export * from './api-schemas.js';
export {
  PROBLEM_BASE_URI,
  PROBLEM_NAMES,
  PROBLEM_TITLES,
  problem,
  problemForJweRejection,
} from './problems.js';
export type { ProblemInstance, ProblemName, RejectionProblem } from './problems.js';
export { createMetadataValidator } from './metadata.js';
export type { Metadata, MetadataHash, MetadataValidation, MetadataValidator } from './metadata.js';
export { checkAnnouncedAttachments, checkHash } from './content-checks.js';
export { EVENT_URI, SET_PAYLOAD_SCHEMA, SET_PAYLOAD_SCHEMA_PATTERN, acceptPayload, buildSetClaims, rejectPayload } from './events.js';
export type { AuthenticationTags, EventName, SetClaims } from './events.js';
export { CALLBACK_MAX_AGE_SECONDS, callbackHeaders, verifyCallback, newEventsCallbackBody, NEW_EVENTS_CALLBACK_TYPE } from './callback.js';
export type { CallbackHeaders, CallbackVerification } from './callback.js';
export { FIT_CONNECT_MAX_ATTACHMENT_BYTES, FIT_CONNECT_MAX_SUBMISSION_BYTES, jweLimits, maxCompactJweBytes, maxSubmissionJweBytes } from './limits.js';
export type { PlaintextLimits } from './limits.js';
