import { ErrorCode, WeicheError } from '@weiche/core';
import { sameKid } from './key-id.js';

/** The protected header of a JWE as received: nothing is trusted until checkJweHeader passed. */
export type JweHeader = { alg?: unknown; enc?: unknown; kid?: unknown; zip?: unknown; cty?: unknown; [k: string]: unknown };

/** Why a JWE is refused; maps to FIT-Connect problem types in fit-connect. */
export type JweRejectionReason =
  | 'malformed'
  | 'unknown-kid'
  | 'unsupported-alg'
  | 'unsupported-enc'
  | 'zip-not-allowed'
  | 'decryption-failed';

/** A JWE the hub refuses; the message names the reason, never any plaintext. */
export class JweRejectedError extends WeicheError {
  override readonly name = 'JweRejectedError';
  readonly reason: JweRejectionReason;

  constructor(reason: JweRejectionReason, detail?: string, cause?: unknown) {
    super(ErrorCode.ENCRYPTION, `JWE rejected: ${reason}${detail ? ` (${detail})` : ''}`, {
      status: 422,
      retryable: false,
      ...(cause === undefined ? {} : { cause }),
    });
    this.reason = reason;
  }
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes the first compact segment into a header object (malformed when it is not base64url JSON of an object). */
export function parseProtectedHeader(segment: string): JweHeader {
  if (segment.length === 0 || !B64URL.test(segment)) throw new JweRejectedError('malformed', 'protected header is not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (e) {
    throw new JweRejectedError('malformed', 'protected header is not JSON', e);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new JweRejectedError('malformed', 'protected header is not an object');
  }
  return parsed as JweHeader;
}

/** Applies the FIT-Connect rules (docs.fitko.de "Verschlüsselte Übertragung"): RSA-OAEP-256, A256GCM, no zip, the destination's kid. */
export function checkHeaderFields(header: JweHeader, expectedKid: string | ReadonlySet<string>): JweHeader {
  // zip is checked first: compressed plaintext would be decompressed before anything else (size bombs)
  if (header.zip !== undefined) throw new JweRejectedError('zip-not-allowed');
  if (header.alg !== 'RSA-OAEP-256') throw new JweRejectedError('unsupported-alg', `alg ${String(header.alg)}`);
  if (header.enc !== 'A256GCM') throw new JweRejectedError('unsupported-enc', `enc ${String(header.enc)}`);
  // RFC 7516 §4.1.11: we do not understand any critical extension
  if (header.crit !== undefined) throw new JweRejectedError('malformed', 'crit header not supported');
  // sameKid: a sender that cached a kid in its former 43-character form still reaches the key
  const known = typeof expectedKid === 'string' ? sameKid(header.kid, expectedKid) : [...expectedKid].some((kid) => sameKid(header.kid, kid));
  if (!known) throw new JweRejectedError('unknown-kid');
  return header;
}

/** Checks the first segment of a compact JWE alone (a stream's, before the rest has arrived) as checkJweHeader does. */
export function checkProtectedHeader(segment: string, expectedKid: string | ReadonlySet<string>): JweHeader {
  return checkHeaderFields(parseProtectedHeader(segment), expectedKid);
}

/** Parses and checks the protected header: alg must be RSA-OAEP-256, enc A256GCM, no zip, kid === expectedKid. */
export function checkJweHeader(compact: string, expectedKid: string | ReadonlySet<string>): JweHeader {
  const parts = compact.trim().split('.');
  // RFC 7516 §7.1: compact serialization has exactly five segments
  if (parts.length !== 5) throw new JweRejectedError('malformed', 'not five segments');
  return checkHeaderFields(parseProtectedHeader(parts[0] ?? ''), expectedKid);
}
