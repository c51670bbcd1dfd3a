import { ErrorCode, WeicheError, errorMessage } from '@weiche/core';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH']);

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** True for a PostgreSQL unique violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** True for a PostgreSQL foreign key violation (SQLSTATE 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === '23503';
}

/**
 * Classifies a database failure: an unreachable or restarting server is STORAGE_UNAVAILABLE (503,
 * retryable) so the gateway answers 503, never 2xx; data exceptions (class 22) are 400 BAD_REQUEST;
 * serialization failures and deadlocks are retryable CONFLICTs; everything else is INTERNAL. WeicheErrors pass through unchanged.
 */
export function toJournalError(error: unknown): WeicheError {
  if (error instanceof WeicheError) return error;
  const code = sqlState(error) ?? '';
  const message = errorMessage(error);
  // SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (operator intervention / shutdown)
  if (
    NETWORK_CODES.has(code) ||
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57P') ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(message)
  ) {
    return new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, `journal unavailable: ${message}`, {
      status: 503,
      retryable: true,
      cause: error,
    });
  }
  // SQLSTATE class 22 (data exception: a NUL, a malformed value for its column type) is a value from outside
  // that the edge checks should have refused: the caller's problem, without the driver's text
  if (code.startsWith('22')) {
    return new WeicheError(ErrorCode.BAD_REQUEST, `a value cannot be stored (SQLSTATE ${code})`, { status: 400, retryable: false, cause: error });
  }
  if (code === '40001' || code === '40P01') {
    // the driver's text stays in the cause (logged), not in an answer
    return new WeicheError(ErrorCode.CONFLICT, `a concurrent change conflicted (SQLSTATE ${code}); try again`, { status: 409, retryable: true, cause: error });
  }
  return new WeicheError(ErrorCode.INTERNAL, `journal: ${message}`, { cause: error });
}
