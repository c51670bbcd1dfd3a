import { ErrorCode, WeicheError } from '@weiche/core';

/** Why OSCI content could not be opened; the XTA layer maps every reason to a fault / red transport report. */
export type OsciDecryptionReason =
  | 'malformed'
  | 'no-matching-key'
  | 'unsupported-algorithm'
  | 'legacy-not-allowed'
  | 'decryption-failed';

/** OSCI content the hub cannot open; never retryable, and the message never holds any plaintext. */
export class OsciDecryptionError extends WeicheError {
  override readonly name = 'OsciDecryptionError';
  readonly reason: OsciDecryptionReason;

  constructor(reason: OsciDecryptionReason, detail?: string, cause?: unknown) {
    super(ErrorCode.ENCRYPTION, `OSCI content cannot be opened: ${reason}${detail ? ` (${detail})` : ''}`, {
      status: 422,
      retryable: false,
      ...(cause === undefined ? {} : { cause }),
    });
    this.reason = reason;
  }
}
