import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import type { DecipherGCM, KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkHeaderFields, checkJweHeader, JweRejectedError, parseProtectedHeader } from './jwe-header.js';
import type { JweHeader } from './jwe-header.js';
import { Base64UrlDecoder } from './base64url-decoder.js';

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Header, encrypted key (a 4096-bit RSA key wraps to 683 chars) and IV never need more than this. */
const MAX_PREFIX_CHARS = 64 * 1024;
/** A GCM tag is 16 bytes = 22 base64url characters; anything much longer is not a JWE. */
const MAX_TAG_CHARS = 64;

function decodeSegment(segment: string, what: string): Buffer {
  if (!B64URL.test(segment)) throw new JweRejectedError('malformed', `${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

/** Unwraps the CEK and prepares an AES-256-GCM decipher with AAD = ASCII of the protected header (RFC 7516 §5.2 step 14). */
function openDecipher(privateKey: KeyObject, protectedB64: string, encryptedKeyB64: string, ivB64: string): DecipherGCM {
  const encryptedKey = decodeSegment(encryptedKeyB64, 'encrypted key');
  const iv = decodeSegment(ivB64, 'iv');
  if (iv.length !== 12) throw new JweRejectedError('malformed', 'iv is not 96 bit');
  let cek: Buffer;
  try {
    cek = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, encryptedKey);
  } catch (e) {
    throw new JweRejectedError('decryption-failed', 'key unwrap failed', e);
  }
  if (cek.length !== 32) throw new JweRejectedError('decryption-failed', 'content key is not 256 bit');
  const decipher = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  return decipher;
}

function setTag(decipher: DecipherGCM, tagB64: string): void {
  const tag = decodeSegment(tagB64, 'authentication tag');
  if (tag.length !== 16) throw new JweRejectedError('malformed', 'authentication tag is not 128 bit');
  decipher.setAuthTag(tag);
}

function finish(decipher: DecipherGCM): Buffer {
  try {
    return decipher.final();
  } catch (e) {
    throw new JweRejectedError('decryption-failed', 'authentication tag does not verify', e);
  }
}

/** Decrypts a small compact JWE (metadata, data) after checkJweHeader. authenticationTag = the 5th segment verbatim. */
export async function decryptCompactJwe(
  compact: string,
  opts: { privateKey: KeyObject; expectedKid: string },
): Promise<{ plaintext: Buffer; header: JweHeader; authenticationTag: string }> {
  await Promise.resolve(); // keep failures asynchronous: callers always get a rejected promise, never a throw
  const trimmed = compact.trim();
  const header = checkJweHeader(trimmed, opts.expectedKid);
  const [protectedB64 = '', encryptedKey = '', iv = '', ciphertext = '', tag = ''] = trimmed.split('.');
  const decipher = openDecipher(opts.privateKey, protectedB64, encryptedKey, iv);
  setTag(decipher, tag);
  const first = decipher.update(decodeSegment(ciphertext, 'ciphertext'));
  const plaintext = Buffer.concat([first, finish(decipher)]);
  return { plaintext, header, authenticationTag: tag };
}

type Deferred<T> = { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void };

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // an unobserved rejection must not crash the process; the plaintext stream carries the error too
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Decrypts a compact JWE read from a stream (an attachment, possibly hundreds of MB) with bounded memory.
 * The plaintext stream emits JweRejectedError 'decryption-failed' if the tag does not verify: output is
 * untrusted until the stream ends without error.
 */
export function decryptJweStream(
  source: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  opts: { privateKey: KeyObject; expectedKid: string },
): { plaintext: Readable; header: Promise<JweHeader>; authenticationTag: Promise<string> } {
  const header = deferred<JweHeader>();
  const authenticationTag = deferred<string>();
  let wake: (() => void) | undefined;
  let stopped = false;
  const resume = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const plaintext = new Readable({
    read: resume,
    destroy(err, cb) {
      stopped = true;
      resume();
      cb(err);
    },
  });

  const emit = async (chunk: Buffer): Promise<void> => {
    if (chunk.length === 0 || stopped) return;
    // backpressure: wait until the consumer asks for more
    if (!plaintext.push(chunk)) await new Promise<void>((r) => (wake = r));
  };

  const run = async (): Promise<void> => {
    let prefix = '';
    let decipher: DecipherGCM | undefined;
    const decoder = new Base64UrlDecoder();
    let inTag = false;
    let tag = '';
    for await (const raw of source as AsyncIterable<Buffer | string>) {
      if (stopped) return;
      let text = typeof raw === 'string' ? raw : raw.toString('latin1');
      if (!decipher) {
        prefix += text;
        const dots: number[] = [];
        for (let i = prefix.indexOf('.'); i !== -1 && dots.length < 3; i = prefix.indexOf('.', i + 1)) dots.push(i);
        if (dots.length === 0 && prefix.length > 0) {
          // fail fast on a bad header before reading hundreds of MB
          if (prefix.length > MAX_PREFIX_CHARS) throw new JweRejectedError('malformed', 'no protected header');
          continue;
        }
        const h = parseProtectedHeader(prefix.slice(0, dots[0]));
        checkHeaderFields(h, opts.expectedKid);
        if (dots.length < 3) {
          if (prefix.length > MAX_PREFIX_CHARS) throw new JweRejectedError('malformed', 'header segments too long');
          continue;
        }
        const [d0 = 0, d1 = 0, d2 = 0] = dots;
        decipher = openDecipher(opts.privateKey, prefix.slice(0, d0), prefix.slice(d0 + 1, d1), prefix.slice(d1 + 1, d2));
        header.resolve(h);
        text = prefix.slice(d2 + 1);
        prefix = '';
      }
      if (!inTag) {
        const dot = text.indexOf('.');
        const cipherPart = dot === -1 ? text : text.slice(0, dot);
        if (!B64URL.test(cipherPart)) throw new JweRejectedError('malformed', 'ciphertext is not base64url');
        await emit(decipher.update(decoder.write(cipherPart)));
        if (dot === -1) continue;
        inTag = true;
        text = text.slice(dot + 1);
      }
      tag += text;
      if (tag.length > MAX_TAG_CHARS) throw new JweRejectedError('malformed', 'authentication tag too long');
    }
    if (stopped) return;
    if (!decipher || !inTag) throw new JweRejectedError('malformed', 'stream ended before all five segments');
    // a trailing newline from a file upload is tolerated; anything else in the tag is not
    tag = tag.replace(/\s+$/, '');
    if (tag.includes('.')) throw new JweRejectedError('malformed', 'more than five segments');
    await emit(decipher.update(decoder.end()));
    setTag(decipher, tag);
    await emit(finish(decipher));
    authenticationTag.resolve(tag);
    plaintext.push(null);
  };

  run().catch((e: unknown) => {
    // source I/O errors pass through unchanged: they are not the sender's fault
    const err = e;
    header.reject(err);
    authenticationTag.reject(err);
    plaintext.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return { plaintext, header: header.promise, authenticationTag: authenticationTag.promise };
}
