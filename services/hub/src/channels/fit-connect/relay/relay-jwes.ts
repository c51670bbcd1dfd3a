import { ErrorCode } from '@weiche/core';
import { checkJweHeader, checkProtectedHeader, JweRejectedError } from '@weiche/crypto';
import { httpProblem } from '../../../gateway/problems.js';
import type { LoadedDestination } from '../destinations.js';

/**
 * The checks of a relay destination's JWEs the hub can make without the private key, the same the hub's own destinations'
 * JWEs pass before decryption (checkJweHeader): compact serialization with five segments, alg RSA-OAEP-256, enc A256GCM,
 * no zip, the destination's published kid. The hub never opens a relay submission, so what fails here would reach the
 * subscriber as it came (`"abc"` was accepted with 202): the sender is told at once, with a 400 naming the part and reason.
 */
export function assertRelayJwe(destination: LoadedDestination, part: string, jwe: string): void {
  refusedAs400(part, () => checkJweHeader(jwe, new Set(destination.publicJwks.keys())));
}

/** The same for an attachment's protected header (its first segment), as its upload streams in. */
export function assertRelayJweHeader(destination: LoadedDestination, part: string, segment: string): void {
  refusedAs400(part, () => checkProtectedHeader(segment, new Set(destination.publicJwks.keys())));
}

function refusedAs400(part: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof JweRejectedError) throw httpProblem(400, ErrorCode.BAD_REQUEST, `${part}: ${error.message}`);
    throw error;
  }
}
