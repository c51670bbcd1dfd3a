/**
 * The crypto floor (issue 11's yardstick): what the protocol itself requires of this machine's cores.
 * A FIT-Connect submission with data and two attachments needs 4 RSA-4096 private-key decryptions
 * (metadata, data, 2 attachments: one CEK unwrap each) and 3 PS512 signatures (create-, submit-,
 * accept-submission SETs). Floor = cores × RSA-4096 private ops/s per core ÷ 7, with the per-core rate
 * measured in the same run (node:crypto, one thread) as the mix of those 4 + 3 operations.
 */
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** CEK unwraps the protocol needs per submission: metadata, data and each attachment, once. */
export function decryptsPerSubmission(attachments: number): number {
  return 2 + attachments;
}

/** create-, submit- and accept-submission SETs; the access token is once per sender. */
export const SIGNS_PER_SUBMISSION = 3;

export interface CryptoFloor {
  readonly cores: number;
  readonly decryptOpsPerSec: number;
  readonly signOpsPerSec: number;
  readonly decryptsPerSubmission: number;
  readonly signsPerSubmission: number;
  /** RSA-4096 private ops/s of one core for the protocol's mix of unwraps and signatures. */
  readonly privateOpsPerSecPerCore: number;
  /** cores × privateOpsPerSecPerCore ÷ (unwraps + signatures per submission). */
  readonly floorSubmissionsPerSec: number;
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

/** Measures RSA-OAEP-SHA256 unwrap of a 32-byte key and RSA-PSS SHA-512 signing (PS512) with one fresh 4096-bit key, on one core. */
export function measureCryptoFloor(options: { durationMs: number; attachments: number; cores?: number }): CryptoFloor {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;
  const wrapped = publicEncrypt({ key: publicKey, ...oaep }, randomBytes(32));
  const decryptOpsPerSec = rate(options.durationMs, () => void privateDecrypt({ key: privateKey, ...oaep }, wrapped));
  // a SET signing input is a few hundred bytes; PS512 uses a salt as long as the hash (RFC 7518 §3.5)
  const signingInput = randomBytes(400);
  const signOpsPerSec = rate(options.durationMs, () => void sign('sha512', signingInput, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }));
  const decrypts = decryptsPerSubmission(options.attachments);
  const ops = decrypts + SIGNS_PER_SUBMISSION;
  const secondsPerSubmissionOneCore = decrypts / decryptOpsPerSec + SIGNS_PER_SUBMISSION / signOpsPerSec;
  const cores = options.cores ?? availableParallelism();
  return {
    cores,
    decryptOpsPerSec,
    signOpsPerSec,
    decryptsPerSubmission: decrypts,
    signsPerSubmission: SIGNS_PER_SUBMISSION,
    privateOpsPerSecPerCore: ops / secondsPerSubmissionOneCore,
    floorSubmissionsPerSec: cores / secondsPerSubmissionOneCore,
  };
}
