/**
 * FIT-Connect's maxima in plaintext bytes: 500 MB per attachment, 2 GB per submission. Taken as MiB/GiB,
 * so the defaults accept the maxima whichever unit a sender means.
 */
export const FIT_CONNECT_MAX_ATTACHMENT_BYTES = 500 * 1024 * 1024;
export const FIT_CONNECT_MAX_SUBMISSION_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Everything of a compact JWE that is not the ciphertext: protected header (~100–300 characters), wrapped
 * key (683 for RSA-4096, 1366 for RSA-8192), IV (16), tag (22), four dots and a trailing CRLF. The
 * allowance is what a limit given in plaintext bytes can be exceeded by, at most.
 */
const JWE_OVERHEAD_CHARS = 4096;

/**
 * The largest compact JWE (RFC 7516 §7.1) that can carry `plaintextBytes` of content: AES-GCM adds no
 * padding, base64url turns every 3 bytes into 4 characters (no `=`), plus the fixed segments.
 */
export function maxCompactJweBytes(plaintextBytes: number): number {
  return Math.ceil(plaintextBytes / 3) * 4 + JWE_OVERHEAD_CHARS;
}

/** Plaintext limits as configured (`limits.*` in the hub's config). */
export interface PlaintextLimits {
  readonly metadataBytes: number;
  readonly dataBytes: number;
  readonly attachmentBytes: number;
  readonly submissionBytes: number;
}

/**
 * The largest total of `parts` compact JWEs (metadata, data, each attachment) that together carry at most
 * `plaintextBytes`: each part brings its own fixed segments.
 */
export function maxSubmissionJweBytes(plaintextBytes: number, parts: number): number {
  return maxCompactJweBytes(plaintextBytes) + Math.max(0, parts - 1) * JWE_OVERHEAD_CHARS;
}

/** The per-part limits as sizes of what arrives on the wire (compact JWEs), for body limits and the blob store's maxBytes. */
export function jweLimits(limits: PlaintextLimits): { metadataBytes: number; dataBytes: number; attachmentBytes: number } {
  return {
    metadataBytes: maxCompactJweBytes(limits.metadataBytes),
    dataBytes: maxCompactJweBytes(limits.dataBytes),
    attachmentBytes: maxCompactJweBytes(limits.attachmentBytes),
  };
}
