/**
 * The error catalogue shared by all packages: every error has a stable code, says whether a
 * retry can help, names the pipeline stage that decided where one did, and carries an HTTP status
 * where it reaches HTTP (docs/conventions.md, item 4).
 */
export const ErrorCode = {
  CONFIG_INVALID: 'WEICHE_ERR_CONFIG_INVALID',
  NOT_FOUND: 'WEICHE_ERR_NOT_FOUND',
  UNAUTHORIZED: 'WEICHE_ERR_UNAUTHORIZED',
  FORBIDDEN: 'WEICHE_ERR_FORBIDDEN',
  CONFLICT: 'WEICHE_ERR_CONFLICT',
  PAYLOAD_TOO_LARGE: 'WEICHE_ERR_PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'WEICHE_ERR_UNSUPPORTED_MEDIA_TYPE',
  /** A method the path does not take (405, with `Allow`). */
  METHOD_NOT_ALLOWED: 'WEICHE_ERR_METHOD_NOT_ALLOWED',
  BAD_REQUEST: 'WEICHE_ERR_BAD_REQUEST',
  UNPROCESSABLE: 'WEICHE_ERR_UNPROCESSABLE',
  STORAGE_UNAVAILABLE: 'WEICHE_ERR_STORAGE_UNAVAILABLE',
  // problems with a submission's input (the sender is told; never retried)
  ENCRYPTION: 'WEICHE_ERR_ENCRYPTION',
  HASH_MISMATCH: 'WEICHE_ERR_HASH_MISMATCH',
  SYNTAX_VIOLATION: 'WEICHE_ERR_SYNTAX_VIOLATION',
  SCHEMA_VIOLATION: 'WEICHE_ERR_SCHEMA_VIOLATION',
  MISSING_DATA: 'WEICHE_ERR_MISSING_DATA',
  ATTACHMENTS_MISMATCH: 'WEICHE_ERR_ATTACHMENTS_MISMATCH',
  /** An announced attachment the delivery service says does not exist (FIT-Connect `missing-attachments`). */
  MISSING_ATTACHMENTS: 'WEICHE_ERR_MISSING_ATTACHMENTS',
  UNSUPPORTED_SCHEMA: 'WEICHE_ERR_UNSUPPORTED_SCHEMA',
  UNSUPPORTED_SERVICE: 'WEICHE_ERR_UNSUPPORTED_SERVICE',
  SERVICE_MISMATCH: 'WEICHE_ERR_SERVICE_MISMATCH',
  INVALID_EVENT_LOG: 'WEICHE_ERR_INVALID_EVENT_LOG',
  /** The input can never be taken as it came (over a size limit of the receiver, a transport shape that does not hold). */
  INPUT_REFUSED: 'WEICHE_ERR_INPUT_REFUSED',
  /** Waited for its receiver (a relay destination's subscriber) past the retention period without an answer: rejected as undeliverable. */
  NOT_PICKED_UP: 'WEICHE_ERR_NOT_PICKED_UP',
  // problems of the hub's own making (an operator fixes and replays)
  NO_ROUTE: 'WEICHE_ERR_NO_ROUTE',
  XSD_INVALID: 'WEICHE_ERR_XSD_INVALID',
  MAPPING_FAILED: 'WEICHE_ERR_MAPPING_FAILED',
  SCHEMA_FILE_TAMPERED: 'WEICHE_ERR_SCHEMA_FILE_TAMPERED',
  DELIVERY_TRANSIENT: 'WEICHE_ERR_DELIVERY_TRANSIENT',
  DELIVERY_PERMANENT: 'WEICHE_ERR_DELIVERY_PERMANENT',
  INTERNAL: 'WEICHE_ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that mean "the submission itself is faulty": rejected with a reason the sender can act on, never retried. */
export const INPUT_PROBLEM_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.ENCRYPTION,
  ErrorCode.HASH_MISMATCH,
  ErrorCode.SYNTAX_VIOLATION,
  ErrorCode.SCHEMA_VIOLATION,
  ErrorCode.MISSING_DATA,
  ErrorCode.ATTACHMENTS_MISMATCH,
  ErrorCode.MISSING_ATTACHMENTS,
  ErrorCode.UNSUPPORTED_SCHEMA,
  ErrorCode.UNSUPPORTED_SERVICE,
  ErrorCode.SERVICE_MISMATCH,
  ErrorCode.INVALID_EVENT_LOG,
  ErrorCode.INPUT_REFUSED,
]);

/** Stages of the pipeline; an audit record names the one that decided. */
export const STAGES = ['intake', 'open', 'map', 'validate', 'store', 'route', 'deliver', 'acknowledge', 'operator'] as const;
export type Stage = (typeof STAGES)[number];

/** Where in a submission an input problem was found (FIT-Connect's `instance` forms). */
export type SubmissionPart = 'metadata' | 'data' | 'submission' | `attachment:${string}`;

export interface WeicheErrorOptions {
  /** HTTP status where the error reaches HTTP. */
  readonly status?: number;
  /** True when trying again later may succeed (worker retries); false stops at once. */
  readonly retryable?: boolean;
  /** The pipeline stage that decided. */
  readonly stage?: Stage;
  /** For input problems: the part of the submission at fault. */
  readonly part?: SubmissionPart;
  readonly cause?: unknown;
}

export class WeicheError extends Error {
  override readonly name: string = 'WeicheError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** Set once, by the stage that first handles the error (see atStage). */
  stage: Stage | undefined;
  /** Set once, by the code that knows which part it judged (see atStage). */
  part: SubmissionPart | undefined;

  constructor(code: ErrorCode, message: string, options: WeicheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
    this.stage = options.stage;
    this.part = options.part;
  }
}

export function isWeicheError(error: unknown): error is WeicheError {
  return error instanceof WeicheError;
}

/** An input problem: the sender is told (reject event, red report, fault), nothing is retried. */
export function inputProblem(code: ErrorCode, detail: string, where: { part: SubmissionPart; stage?: Stage; cause?: unknown }): WeicheError {
  return new WeicheError(code, detail, { status: 422, retryable: false, part: where.part, ...(where.stage ? { stage: where.stage } : {}), ...(where.cause === undefined ? {} : { cause: where.cause }) });
}

/** What a worker does with an error: reject the input, fail it for an operator to fix and replay, or retry later. */
export type Disposition = 'reject' | 'fail' | 'retry';

/** Classifies by the catalogue: non-catalogue errors may be I/O hiccups and are retried (stages that cannot hit I/O reclassify them). */
export function dispositionOf(error: unknown): Disposition {
  if (!isWeicheError(error)) return 'retry';
  if (error.retryable) return 'retry';
  return INPUT_PROBLEM_CODES.has(error.code) ? 'reject' : 'fail';
}

/**
 * Marks the stage that decided on a catalogue error (the first stage to see it; one that names a stage keeps
 * it) and, for an input problem, the part of the submission that stage judges unless the error names one.
 */
export function atStage<E>(error: E, stage: Stage, part?: SubmissionPart): E {
  if (isWeicheError(error)) {
    error.stage ??= stage;
    if (part !== undefined && INPUT_PROBLEM_CODES.has(error.code)) error.part ??= part;
  }
  return error;
}

/** Reads a message from anything thrown, without ever including payload data. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
