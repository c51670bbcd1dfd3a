/**
 * The hub's key ids (kid) and how kids are compared.
 *
 * A kid is the RFC 7638 SHA-256 thumbprint of the public key, base64url, cut to its first 32 characters (192 bits):
 * FIT-Connect's OpenAPI (submission-api 1.1.3) limits the path parameter keyId of GET /v1/destinations/{id}/keys/{keyId}
 * to 8..36 characters, and a sender generated or validated from it refuses the full 43. Cutting keeps the kid a
 * function of the key alone (no state to keep) and a thumbprint that jose & co. can recompute; 192 bits stay far from
 * any collision. Hubs before this change used the full 43 characters: those kids are in `current` files, key file
 * names, senders' caches, stored JWEs and SETs. Their first 32 characters are the kid now, so every comparison of
 * kids goes through `sameKid` / `findByKid`, which accept both forms.
 */

/** Characters of a kid: 32 base64url characters of the thumbprint, within the OpenAPI's 36. */
export const KID_LENGTH = 32;

/** A kid as hubs before 1.x wrote it: the full SHA-256 thumbprint (43 base64url characters). */
const LEGACY_KID = /^[A-Za-z0-9_-]{43}$/;

/** The form two kids are compared in: a former full thumbprint becomes its first 32 characters (the kid now); any other kid stays. */
export function comparableKid(kid: string): string {
  return LEGACY_KID.test(kid) ? kid.slice(0, KID_LENGTH) : kid;
}

/** True when both name the same key: equal, or one is the former full-thumbprint form of the other. */
export function sameKid(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && comparableKid(a) === comparableKid(b);
}

/** The entry a kid names in a map keyed by kid (either form on either side), or undefined. */
export function findByKid<V>(byKid: ReadonlyMap<string, V>, kid: unknown): V | undefined {
  if (typeof kid !== 'string') return undefined;
  const exact = byKid.get(kid);
  if (exact !== undefined) return exact;
  for (const [k, v] of byKid) if (sameKid(k, kid)) return v;
  return undefined;
}
