import { ErrorCode, inputProblem, type WeicheError } from '@weiche/core';
import { PROBLEM_BASE_URI, problem, type ProblemInstance, type ProblemName, type RejectionProblem } from '@weiche/fit-connect';
import type { SubmissionProblem } from '@weiche/journal';

/** Catalogue codes of input problems → the FIT-Connect problem types of the verification page. */
const PROBLEM_OF: Partial<Record<string, ProblemName>> = {
  [ErrorCode.ENCRYPTION]: 'encryption-issue',
  [ErrorCode.HASH_MISMATCH]: 'hash-mismatch',
  [ErrorCode.SYNTAX_VIOLATION]: 'syntax-violation',
  [ErrorCode.SCHEMA_VIOLATION]: 'schema-violation',
  [ErrorCode.MISSING_DATA]: 'missing-data',
  [ErrorCode.ATTACHMENTS_MISMATCH]: 'attachments-mismatch',
  [ErrorCode.MISSING_ATTACHMENTS]: 'missing-attachments',
  [ErrorCode.UNSUPPORTED_SCHEMA]: 'unsupported-schema',
  [ErrorCode.UNSUPPORTED_SERVICE]: 'unsupported-service',
  [ErrorCode.SERVICE_MISMATCH]: 'service-mismatch',
  [ErrorCode.INVALID_EVENT_LOG]: 'invalid-event-log',
};

function isInstance(part: string | undefined): part is ProblemInstance {
  return part === 'metadata' || part === 'data' || part === 'submission' || (part?.startsWith('attachment:') ?? false);
}

/** The reject-submission problem for a journal problem: its FIT-Connect type, the part as `instance`, the detail as is. */
export function fitConnectProblem(p: SubmissionProblem): RejectionProblem {
  return problem(PROBLEM_OF[p.code] ?? 'technical-error', p.detail, isInstance(p.part) ? p.part : 'submission');
}

const CODE_OF = new Map<string, ErrorCode>(Object.entries(PROBLEM_OF).map(([code, name]) => [`${PROBLEM_BASE_URI}${name ?? ''}`, code as ErrorCode]));

/** A problem found by the FIT-Connect checks of `@weiche/fit-connect`, as a catalogue input problem of the open stage. */
export function rejectedFor(p: RejectionProblem): WeicheError {
  return inputProblem(CODE_OF.get(p.type) ?? ErrorCode.SCHEMA_VIOLATION, p.detail, { part: isInstance(p.instance) ? p.instance : 'submission', stage: 'open' });
}
