import { PermanentDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02, section 7) as ssh2 puts them on `error.code`. */
export const SftpStatus = {
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

// OpenSSH's sftp-server maps EACCES/EPERM to PERMISSION_DENIED and ENOENT/ENOTDIR to NO_SUCH_FILE, which an
// operator must fix. ENOSPC/EDQUOT have no v3 status and arrive as the generic FAILURE, so FAILURE stays
// transient: a full disk may clear up.
const PERMANENT_STATUS = new Set<number>([
  SftpStatus.NO_SUCH_FILE,
  SftpStatus.PERMISSION_DENIED,
  SftpStatus.BAD_MESSAGE,
  SftpStatus.OP_UNSUPPORTED,
]);

const STATUS_NAMES = new Map<number, string>(Object.entries(SftpStatus).map(([name, code]) => [code, name]));

/** Reads the `code` (SFTP status number or errno string) off an error from ssh2. */
export function errorCode(error: unknown): number | string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' || typeof code === 'string' ? code : undefined;
}

/** Classifies a failed SFTP operation: permission or path problems are permanent, everything else transient. */
export function classifySftpError(error: unknown, what: string): TransientDeliveryError | PermanentDeliveryError {
  if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) return error;
  const code = errorCode(error);
  const label = typeof code === 'number' ? (STATUS_NAMES.get(code) ?? `status ${code}`) : (code ?? 'error');
  const reason = `${what} failed (${label})`;
  return typeof code === 'number' && PERMANENT_STATUS.has(code)
    ? new PermanentDeliveryError(reason, { cause: error })
    : new TransientDeliveryError(reason, { cause: error });
}

/**
 * Classifies a failed SSH connection from ssh2's `level`: a rejected login or failed handshake
 * (no common algorithm) needs an operator; socket errors, timeouts and DNS failures may clear up.
 */
export function classifyConnectError(error: unknown, target: string): TransientDeliveryError | PermanentDeliveryError {
  if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) return error;
  const level = (error as { level?: unknown } | null)?.level;
  const code = errorCode(error);
  switch (level) {
    case 'client-authentication':
      return new PermanentDeliveryError(`authentication to ${target} failed`, { cause: error });
    case 'handshake':
      return new PermanentDeliveryError(`SSH handshake with ${target} failed`, { cause: error });
    case 'client-timeout':
      return new TransientDeliveryError(`connection to ${target} timed out`, { cause: error });
    default:
      return new TransientDeliveryError(`connection to ${target} failed (${code ?? 'error'})`, { cause: error });
  }
}
