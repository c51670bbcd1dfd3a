/**
 * A compact-JWE encryptor with node:crypto only, for bad-input tests: it writes whatever protected
 * header it is given (alg RSA-OAEP with SHA-1, enc A128GCM, zip …), which jose refuses to produce.
 * Synchronous, so it can be used inside TestSender's tamper hooks.
 */
import { constants, createCipheriv, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export interface BadJweOptions {
  /** Protected header written verbatim (alg, enc, kid, zip, …). */
  readonly header: Record<string, unknown>;
  /** Hash of RSA-OAEP for wrapping the content key: sha256 for RSA-OAEP-256, sha1 for RSA-OAEP. */
  readonly oaepHash?: 'sha256' | 'sha1';
  /** AES-GCM key length in bytes: 32 for A256GCM, 16 for A128GCM. */
  readonly cekBytes?: 16 | 32;
}

/** Imports a published destination key (FIT-Connect JWK, key_ops wrapKey) as a node KeyObject. */
export function publicKeyFromJwk(jwk: JWK): KeyObject {
  const { key_ops: _keyOps, ...publicJwk } = jwk;
  return createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
}

/** A fresh RSA public key nobody at the hub knows (for the foreign-key case). */
export function foreignPublicKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
}

/** Encrypts plaintext into a compact JWE: RSA-OAEP wrapped CEK, AES-GCM with AAD = ASCII of the protected header (RFC 7516 §5.1). */
export function encryptCompactJwe(plaintext: Buffer, key: KeyObject, options: BadJweOptions): string {
  const cekBytes = options.cekBytes ?? 32;
  const cek = randomBytes(cekBytes);
  const iv = randomBytes(12);
  const protectedB64 = Buffer.from(JSON.stringify(options.header), 'utf8').toString('base64url');
  const encryptedKey = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: options.oaepHash ?? 'sha256' }, cek);
  const cipher = createCipheriv(cekBytes === 32 ? 'aes-256-gcm' : 'aes-128-gcm', cek, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedB64, encryptedKey.toString('base64url'), iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Changes one base64url character of a compact JWE segment (0-based), so the bytes really differ. */
export function flipSegmentChar(compact: string, segment: number, at = 0): string {
  const parts = compact.split('.');
  const target = parts[segment] ?? '';
  const old = target[at] ?? 'A';
  const replacement = old === 'A' ? 'B' : 'A';
  parts[segment] = target.slice(0, at) + replacement + target.slice(at + 1);
  return parts.join('.');
}
