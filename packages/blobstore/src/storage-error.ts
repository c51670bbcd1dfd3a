import { ErrorCode, WeicheError } from '@weiche/core';

/** Error codes of the filesystem that mean "this blob is not there" rather than "the store is broken". */
const MISSING = new Set(['ENOENT', 'ENOTDIR']);

function fsCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** True when a filesystem error says the path does not exist. */
export function isMissing(error: unknown): boolean {
  const code = fsCode(error);
  return code !== undefined && MISSING.has(code);
}

/** Wraps an I/O failure as STORAGE_UNAVAILABLE (503, retryable) so callers answer 503, never 2xx. */
export function storageUnavailable(action: string, error: unknown): WeicheError {
  if (error instanceof WeicheError) return error;
  const code = fsCode(error);
  return new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, `blob store: ${action} failed${code ? ` (${code})` : ''}`, {
    status: 503,
    retryable: true,
    cause: error,
  });
}

/** The NOT_FOUND error for a blob key (the key is a hash, never personal data). */
export function blobNotFound(key: string): WeicheError {
  return new WeicheError(ErrorCode.NOT_FOUND, `blob ${key} not found`, { status: 404 });
}
