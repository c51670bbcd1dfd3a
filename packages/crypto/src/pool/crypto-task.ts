import { constants, privateDecrypt, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

/** JWS algorithms the hub signs with (RFC 7518 §3.3, §3.5). */
export type SignatureAlgorithm = 'PS512' | 'PS256' | 'RS256' | 'RS512';

/** RSA-OAEP decryption of a wrapped content key: JWE `RSA-OAEP-256`, OSCI `xenc:EncryptedKey`. */
export interface UnwrapTask {
  readonly op: 'unwrap';
  readonly key: KeyObject;
  readonly wrapped: Uint8Array;
  /** OAEP (and MGF1) hash: sha256 for JWE, sha1…sha512 as the EncryptedKey names it. */
  readonly oaepHash: string;
  readonly oaepLabel?: Uint8Array;
}

/** An RSA signature over a JWS signing input (`base64url(header).base64url(payload)`). */
export interface SignTask {
  readonly op: 'sign';
  readonly key: KeyObject;
  readonly algorithm: SignatureAlgorithm;
  readonly data: Uint8Array;
}

/**
 * The private-key operations that leave the event loop. Only small messages cross threads: a
 * KeyObject is shared with the worker by handle (no re-parsing), a wrapped key or a signing input
 * goes in, 32 bytes of content key or one signature come out.
 */
export type CryptoTask = UnwrapTask | SignTask;
export type CryptoOp = CryptoTask['op'];

/** What a task returns across the thread boundary, with the time it took on its thread (for the CPU split). */
export interface CryptoTaskResult {
  readonly output: Uint8Array;
  readonly ms: number;
  /** The thread that ran it (0 = the main thread). */
  readonly threadId: number;
}

const SIGN: Record<SignatureAlgorithm, { hash: string; padding: number; saltLength?: number }> = {
  // RFC 7518 §3.5: RSASSA-PSS with MGF1 and a salt as long as the hash
  PS512: { hash: 'sha512', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
  PS256: { hash: 'sha256', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  RS256: { hash: 'sha256', padding: constants.RSA_PKCS1_PADDING },
  RS512: { hash: 'sha512', padding: constants.RSA_PKCS1_PADDING },
};

function execute(task: CryptoTask): Uint8Array {
  switch (task.op) {
    case 'unwrap':
      return privateDecrypt(
        { key: task.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: task.oaepHash, ...(task.oaepLabel ? { oaepLabel: task.oaepLabel } : {}) },
        task.wrapped,
      );
    case 'sign': {
      const { hash, padding, saltLength } = SIGN[task.algorithm];
      return sign(hash, task.data, { key: task.key, padding, ...(saltLength === undefined ? {} : { saltLength }) });
    }
    default:
      return task satisfies never;
  }
}

/** Runs one task on the current thread (a pool worker, or the caller when the pool has no threads). */
export function runCryptoTask(task: CryptoTask): CryptoTaskResult {
  const start = performance.now();
  const output = execute(task);
  return { output, ms: performance.now() - start, threadId };
}
