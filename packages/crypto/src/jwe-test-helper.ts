// Test support only (not exported from the barrel): jose's CompactEncrypt needs the whole plaintext
// in memory, so large test JWEs are produced here with node:crypto, streaming to a file.
import { constants, createCipheriv, createHash, publicEncrypt, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Encrypts the chunks as one compact JWE (RSA-OAEP-256 / A256GCM) into `path`; returns the plaintext SHA-512 and the tag. */
export async function encryptJweToFile(opts: {
  path: string;
  publicKeyPem: string;
  kid: string;
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>;
  header?: Record<string, unknown>;
}): Promise<{ sha512: string; authenticationTag: string; plaintextBytes: number }> {
  const protectedB64 = Buffer.from(JSON.stringify(opts.header ?? { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: opts.kid })).toString('base64url');
  const cek = randomBytes(32);
  const iv = randomBytes(12);
  const encryptedKey = publicEncrypt({ key: opts.publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  const hash = createHash('sha512');
  const file = await open(opts.path, 'w');
  let carry = Buffer.alloc(0);
  let plaintextBytes = 0;
  const writeCipher = async (bytes: Buffer): Promise<void> => {
    // base64 encodes 3 bytes to 4 chars; keep the remainder for the next block
    const all = Buffer.concat([carry, bytes]);
    const usable = all.length - (all.length % 3);
    carry = all.subarray(usable);
    if (usable > 0) await file.write(all.subarray(0, usable).toString('base64url'));
  };
  try {
    await file.write(`${protectedB64}.${encryptedKey.toString('base64url')}.${iv.toString('base64url')}.`);
    for await (const chunk of opts.chunks) {
      hash.update(chunk);
      plaintextBytes += chunk.length;
      await writeCipher(cipher.update(chunk));
    }
    await writeCipher(cipher.final());
    const tag = cipher.getAuthTag().toString('base64url');
    await file.write(`${carry.toString('base64url')}.${tag}`);
    return { sha512: hash.digest('hex'), authenticationTag: tag, plaintextBytes };
  } finally {
    await file.close();
  }
}

/** Builds a small compact JWE with any protected header (jose refuses some headers the tests need, e.g. zip). */
export function encryptCompactRaw(header: Record<string, unknown>, plaintext: Buffer, publicKeyPem: string): string {
  const protectedB64 = Buffer.from(JSON.stringify(header)).toString('base64url');
  const cek = randomBytes(32);
  const iv = randomBytes(12);
  const encryptedKey = publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedB64, encryptedKey, iv, ciphertext, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}
