/**
 * The error catalogue shared by all packages: every error has a stable code, says whether a
 * retry can help, and carries an HTTP status where it reaches HTTP (docs/conventions.md, item 4).
 */
export const ErrorCode = {
  CONFIG_INVALID: 'WEICHE_ERR_CONFIG_INVALID',
  NOT_FOUND: 'WEICHE_ERR_NOT_FOUND',
  UNAUTHORIZED: 'WEICHE_ERR_UNAUTHORIZED',
  FORBIDDEN: 'WEICHE_ERR_FORBIDDEN',
  CONFLICT: 'WEICHE_ERR_CONFLICT',
  PAYLOAD_TOO_LARGE: 'WEICHE_ERR_PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'WEICHE_ERR_UNSUPPORTED_MEDIA_TYPE',
  BAD_REQUEST: 'WEICHE_ERR_BAD_REQUEST',
  UNPROCESSABLE: 'WEICHE_ERR_UNPROCESSABLE',
  STORAGE_UNAVAILABLE: 'WEICHE_ERR_STORAGE_UNAVAILABLE',
  ENCRYPTION: 'WEICHE_ERR_ENCRYPTION',
  HASH_MISMATCH: 'WEICHE_ERR_HASH_MISMATCH',
  SCHEMA_VIOLATION: 'WEICHE_ERR_SCHEMA_VIOLATION',
  ATTACHMENTS_MISMATCH: 'WEICHE_ERR_ATTACHMENTS_MISMATCH',
  UNSUPPORTED_SCHEMA: 'WEICHE_ERR_UNSUPPORTED_SCHEMA',
  NO_ROUTE: 'WEICHE_ERR_NO_ROUTE',
  XSD_INVALID: 'WEICHE_ERR_XSD_INVALID',
  SCHEMA_FILE_TAMPERED: 'WEICHE_ERR_SCHEMA_FILE_TAMPERED',
  DELIVERY_TRANSIENT: 'WEICHE_ERR_DELIVERY_TRANSIENT',
  DELIVERY_PERMANENT: 'WEICHE_ERR_DELIVERY_PERMANENT',
  INTERNAL: 'WEICHE_ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface WeicheErrorOptions {
  /** HTTP status where the error reaches HTTP. */
  readonly status?: number;
  /** True when trying again later may succeed (worker retries); false stops at once. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class WeicheError extends Error {
  override readonly name: string = 'WeicheError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: WeicheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
  }
}

export function isWeicheError(error: unknown): error is WeicheError {
  return error instanceof WeicheError;
}

/** Reads a message from anything thrown, without ever including payload data. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
