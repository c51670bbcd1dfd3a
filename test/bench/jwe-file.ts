/**
 * Writes a compact JWE (RSA-OAEP-256 + A256GCM) of random plaintext to a file, streaming, for the
 * benchmarks at FIT-Connect's maxima — a 500 MB attachment does not fit a jose `CompactEncrypt` call
 * comfortably. Written from RFC 7516 with node:crypto only (like the jose sender, not the hub's code).
 */
import { constants, createCipheriv, createHash, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const MiB = 1024 * 1024;

/** Writes the JWE; returns the SHA-512 (hex) of the plaintext, the JWE's authentication tag and its content key. */
export async function writeJwe(path: string, bytes: number, publicKey: KeyObject, kid: string, cty = 'application/pdf'): Promise<{ sha512: string; tag: string; cek: Buffer }> {
  const cek = randomBytes(32);
  const iv = randomBytes(12);
  const header = Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid, cty })).toString('base64url');
  const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek).toString('base64url');
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const hash = createHash('sha512');
  const out = createWriteStream(path);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${header}.${wrapped}.${iv.toString('base64url')}.`);
  let carry = Buffer.alloc(0);
  const block = 3 * MiB; // a multiple of 3: base64url of each block joins without padding
  for (let done = 0; done < bytes; ) {
    const n = Math.min(block, bytes - done);
    done += n;
    const plain = randomBytes(n);
    hash.update(plain);
    const all = Buffer.concat([carry, cipher.update(plain)]);
    const usable = all.length - (all.length % 3);
    await write(all.subarray(0, usable).toString('base64url'));
    carry = all.subarray(usable);
  }
  await write(Buffer.concat([carry, cipher.final()]).toString('base64url'));
  const tag = cipher.getAuthTag().toString('base64url');
  await write(`.${tag}`);
  await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
  return { sha512: hash.digest('hex'), tag, cek };
}
