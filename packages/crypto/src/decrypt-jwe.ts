import { createDecipheriv } from 'node:crypto';
import type { DecipherGCM, KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkHeaderFields, checkJweHeader, JweRejectedError, parseProtectedHeader } from './jwe-header.js';
import type { JweHeader } from './jwe-header.js';
import { Base64UrlDecoder } from './base64url-decoder.js';
import { findByKid } from './key-id.js';
import { cryptoPool } from './pool/crypto-pool.js';

/**
 * How the content key (CEK) is obtained: unwrapped with the destination's private key (RSA-OAEP-256,
 * on the crypto pool), or — when the same JWE is read a second time, e.g. verify then package — the
 * `cek` an earlier decryption returned, which skips the RSA operation. The GCM tag still authenticates
 * the content either way, and the header is checked again.
 */
export type JweKeyOptions =
  | ({ readonly expectedKid: string } & ({ readonly privateKey: KeyObject } | { readonly cek: Buffer }))
  /** Every key a recipient still holds (during a key rotation): the header's kid chooses; any other kid is refused. */
  | { readonly privateKeys: ReadonlyMap<string, KeyObject> };

function acceptedKids(opts: JweKeyOptions): string | ReadonlySet<string> {
  return 'privateKeys' in opts ? new Set(opts.privateKeys.keys()) : opts.expectedKid;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Header, encrypted key (a 4096-bit RSA key wraps to 683 chars) and IV never need more than this. */
const MAX_PREFIX_CHARS = 64 * 1024;
/** A GCM tag is 16 bytes = 22 base64url characters; anything much longer is not a JWE. */
const MAX_TAG_CHARS = 64;
/**
 * A plaintext chunk is emitted once this much is decoded, or at the end of a read: a few chunks per 1 MiB read instead
 * of one per 64 KiB slice. Not larger: with 768 KiB chunks the hub's whole 500 MiB path (verify, ZIP, store, deliver)
 * took more CPU and ~40 MiB more peak RSS than with 48 KiB ones (glibc serves such blocks by mmap, page faults and all),
 * while 128 KiB took less of both (docs/benchmarks.md, fifth pass).
 */
const PLAINTEXT_CHUNK_BYTES = 128 * 1024;

function decodeSegment(segment: string, what: string): Buffer {
  if (!B64URL.test(segment)) throw new JweRejectedError('malformed', `${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

/** The 256-bit content key of a JWE: from the caller, or unwrapped on the crypto pool. */
async function contentKey(opts: JweKeyOptions, kid: unknown, encryptedKeyB64: string): Promise<Buffer> {
  if ('cek' in opts) {
    if (opts.cek.length !== 32) throw new JweRejectedError('decryption-failed', 'content key is not 256 bit');
    return opts.cek;
  }
  const wrapped = decodeSegment(encryptedKeyB64, 'encrypted key');
  // the header was checked first: the kid is one of the map's
  const key = 'privateKeys' in opts ? findByKid(opts.privateKeys, kid) : opts.privateKey;
  if (!key) throw new JweRejectedError('unknown-kid');
  let cek: Buffer;
  try {
    cek = await cryptoPool().run({ op: 'unwrap', key, wrapped, oaepHash: 'sha256' });
  } catch (e) {
    throw new JweRejectedError('decryption-failed', 'key unwrap failed', e);
  }
  if (cek.length !== 32) throw new JweRejectedError('decryption-failed', 'content key is not 256 bit');
  return cek;
}

/** Prepares an AES-256-GCM decipher with AAD = ASCII of the protected header (RFC 7516 §5.2 step 14). */
async function openDecipher(opts: JweKeyOptions, kid: unknown, protectedB64: string, encryptedKeyB64: string, ivB64: string): Promise<{ decipher: DecipherGCM; cek: Buffer }> {
  const iv = decodeSegment(ivB64, 'iv');
  if (iv.length !== 12) throw new JweRejectedError('malformed', 'iv is not 96 bit');
  const cek = await contentKey(opts, kid, encryptedKeyB64);
  const decipher = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  return { decipher, cek };
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

/**
 * Decrypts a small compact JWE (metadata, data) after checkJweHeader. authenticationTag = the 5th
 * segment verbatim; `cek` can be passed back in (`{ cek, expectedKid }`) to decrypt the same JWE again
 * without another RSA operation.
 */
export async function decryptCompactJwe(
  compact: string,
  opts: JweKeyOptions,
): Promise<{ plaintext: Buffer; header: JweHeader; authenticationTag: string; cek: Buffer }> {
  await Promise.resolve(); // keep failures asynchronous: callers always get a rejected promise, never a throw
  const trimmed = compact.trim();
  const header = checkJweHeader(trimmed, acceptedKids(opts));
  const [protectedB64 = '', encryptedKey = '', iv = '', ciphertext = '', tag = ''] = trimmed.split('.');
  const { decipher, cek } = await openDecipher(opts, header.kid, protectedB64, encryptedKey, iv);
  setTag(decipher, tag);
  const first = decipher.update(decodeSegment(ciphertext, 'ciphertext'));
  const plaintext = Buffer.concat([first, finish(decipher)]);
  return { plaintext, header, authenticationTag: tag, cek };
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
 * The characters of one chunk of the JWE in slices of at most 64 KiB. A megabyte chunk turned into one string
 * lands in V8's large-object space, which only a full GC frees: a 500 MB attachment would leave hundreds of MB
 * of dead strings behind. Small strings die young and are collected at once.
 */
function* textSlices(raw: Buffer | string): Generator<string> {
  const SLICE = 64 * 1024;
  if (typeof raw === 'string') {
    for (let at = 0; at < raw.length; at += SLICE) yield raw.slice(at, at + SLICE);
  } else {
    for (let at = 0; at < raw.length; at += SLICE) yield raw.toString('latin1', at, Math.min(raw.length, at + SLICE));
  }
}

/**
 * Decrypts a compact JWE read from a stream (an attachment, possibly hundreds of MB) with bounded memory.
 * The plaintext stream emits JweRejectedError 'decryption-failed' if the tag does not verify: output is
 * untrusted until the stream ends without error. `cek` resolves once the content key is known: keep it
 * (in memory only) to decrypt the same blob again with `{ cek, expectedKid }` and no RSA operation.
 */
export function decryptJweStream(
  source: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  opts: JweKeyOptions,
): { plaintext: Readable; header: Promise<JweHeader>; authenticationTag: Promise<string>; cek: Promise<Buffer> } {
  const header = deferred<JweHeader>();
  const contentKeyOut = deferred<Buffer>();
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
      for (let text of textSlices(raw)) {
        if (stopped) return;
        if (!decipher) {
          // leading whitespace is tolerated as decryptCompactJwe tolerates it (it trims)
          prefix = prefix.length === 0 ? text.trimStart() : prefix + text;
          const dots: number[] = [];
          for (let i = prefix.indexOf('.'); i !== -1 && dots.length < 3; i = prefix.indexOf('.', i + 1)) dots.push(i);
          if (dots.length === 0) {
            // fail fast on a bad header before reading hundreds of MB
            if (prefix.length > MAX_PREFIX_CHARS) throw new JweRejectedError('malformed', 'no protected header');
            continue;
          }
          const h = parseProtectedHeader(prefix.slice(0, dots[0]));
          checkHeaderFields(h, acceptedKids(opts));
          if (dots.length < 3) {
            if (prefix.length > MAX_PREFIX_CHARS) throw new JweRejectedError('malformed', 'header segments too long');
            continue;
          }
          const [d0 = 0, d1 = 0, d2 = 0] = dots;
          const opened = await openDecipher(opts, h.kid, prefix.slice(0, d0), prefix.slice(d0 + 1, d1), prefix.slice(d1 + 1, d2));
          decipher = opened.decipher;
          header.resolve(h);
          contentKeyOut.resolve(opened.cek);
          text = prefix.slice(d2 + 1);
          prefix = '';
        }
        if (!inTag) {
          const dot = text.indexOf('.');
          const cipherPart = dot === -1 ? text : text.slice(0, dot);
          if (!decoder.append(cipherPart)) throw new JweRejectedError('malformed', 'ciphertext is not base64url');
          // a source of very large chunks (a whole attachment in one Buffer) must not grow the scratch space with it
          if (decoder.pending >= PLAINTEXT_CHUNK_BYTES) await emit(decipher.update(decoder.take()));
          if (dot === -1) continue;
          inTag = true;
          text = text.slice(dot + 1);
        }
        tag += text;
        if (tag.length > MAX_TAG_CHARS) throw new JweRejectedError('malformed', 'authentication tag too long');
      }
      // One decipher call and one plaintext chunk per chunk read (768 KiB from a 1 MiB read), not one per 64 KiB
      // slice: every chunk costs a round through the streams behind (hash tap, encryption at rest) and a file write
      // there. decipher.update copies, so the decoder's scratch space is free again before the next append.
      if (decipher && decoder.pending > 0) await emit(decipher.update(decoder.take()));
    }
    if (stopped) return;
    if (!decipher || !inTag) throw new JweRejectedError('malformed', 'stream ended before all five segments');
    // a trailing newline from a file upload is tolerated; anything else in the tag is not
    tag = tag.replace(/\s+$/, '');
    if (tag.includes('.')) throw new JweRejectedError('malformed', 'more than five segments');
    const last = decoder.end();
    if (!last) throw new JweRejectedError('malformed', 'ciphertext is not base64url');
    await emit(decipher.update(last));
    setTag(decipher, tag);
    await emit(finish(decipher));
    authenticationTag.resolve(tag);
    plaintext.push(null);
  };

  run().catch((e: unknown) => {
    // source I/O errors pass through unchanged: they are not the sender's fault
    const err = e;
    header.reject(err);
    contentKeyOut.reject(err);
    authenticationTag.reject(err);
    plaintext.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return { plaintext, header: header.promise, authenticationTag: authenticationTag.promise, cek: contentKeyOut.promise };
}
