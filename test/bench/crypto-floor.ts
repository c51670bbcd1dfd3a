/**
 * The crypto floor of intake: how many RSA-4096 private-key operations this machine does per second,
 * and what that allows per submission given the hub's own count of such operations.
 */
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * RSA private-key operations per submission, counted in services/hub/src (see docs/benchmarks.md):
 * metadata, data, and each attachment twice (verify in open-submission.ts, package in map-submission.ts).
 */
export function decryptsPerSubmission(attachments: number): number {
  return 2 + 2 * attachments;
}

/** create-, submit- and accept-submission SETs (events.ts); the access token is once per sender. */
export const SIGNS_PER_SUBMISSION = 3;

export interface CryptoFloor {
  readonly decryptOpsPerSec: number;
  readonly signOpsPerSec: number;
  readonly decryptsPerSubmission: number;
  readonly signsPerSubmission: number;
  /** Submissions/s if one core did nothing but the hub's RSA private-key work. */
  readonly floorSubmissionsPerSecOneCore: number;
}

function rate(durationMs: number, op: () => void): number {
  for (let i = 0; i < 3; i++) op(); // warm the key's Montgomery tables before timing
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    op();
    count++;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

/** Measures RSA-OAEP-SHA256 unwrap of a 32-byte key and RSA-PSS SHA-512 signing (PS512) with one fresh 4096-bit key. */
export function measureCryptoFloor(options: { durationMs: number; attachments: number }): CryptoFloor {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;
  const wrapped = publicEncrypt({ key: publicKey, ...oaep }, randomBytes(32));
  const decryptOpsPerSec = rate(options.durationMs, () => void privateDecrypt({ key: privateKey, ...oaep }, wrapped));
  // a SET signing input is a few hundred bytes; PS512 uses a salt as long as the hash (RFC 7518 §3.5)
  const signingInput = randomBytes(400);
  const signOpsPerSec = rate(options.durationMs, () => void sign('sha512', signingInput, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }));
  const decrypts = decryptsPerSubmission(options.attachments);
  const secondsPerSubmission = decrypts / decryptOpsPerSec + SIGNS_PER_SUBMISSION / signOpsPerSec;
  return {
    decryptOpsPerSec,
    signOpsPerSec,
    decryptsPerSubmission: decrypts,
    signsPerSubmission: SIGNS_PER_SUBMISSION,
    floorSubmissionsPerSecOneCore: 1 / secondsPerSubmission,
  };
}
