import type { KeyObject } from 'node:crypto';
import { cryptoPool } from './pool/crypto-pool.js';
import type { SignatureAlgorithm } from './pool/crypto-task.js';

function segment(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * A JWS in compact serialization (RFC 7515 §7.1): the signing input is built here, only it and the
 * key handle go to the crypto pool, and the signature comes back.
 */
export async function signCompactJws(
  header: { readonly typ?: string; readonly kid?: string } & Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
  algorithm: SignatureAlgorithm,
): Promise<string> {
  const input = `${segment({ ...header, alg: algorithm })}.${segment(payload)}`;
  const signature = await cryptoPool().run({ op: 'sign', key, algorithm, data: Buffer.from(input, 'ascii') });
  return `${input}.${signature.toString('base64url')}`;
}
