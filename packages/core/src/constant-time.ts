import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets (tokens, MACs, digests) in time that does not depend on where they differ or
 * on their lengths: both sides are hashed to SHA-256 first, so timingSafeEqual always sees equal lengths.
 */
export function constantTimeEqual(given: string | Uint8Array, expected: string | Uint8Array): boolean {
  const digest = (v: string | Uint8Array): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
