import { createPublicKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CompactEncrypt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptCompactJwe, decryptJweStream } from './decrypt-jwe.js';
import { JweRejectedError } from './jwe-header.js';
import type { JweRejectionReason } from './jwe-header.js';
import { encryptCompactRaw, encryptJweToFile } from './jwe-test-helper.js';
import { sha512Hex, sha512Tap } from './hash.js';
import { generateRsaKeyPair, keyIdOf, privateKeyFromPem } from './keys.js';
import { cryptoPool } from './pool/crypto-pool.js';

const KID = 'dest-key-1';
let privateKey: KeyObject;
let publicKey: KeyObject;
let publicKeyPem: string;
let dir: string;

beforeAll(async () => {
  const pair = await generateRsaKeyPair({ commonName: 'decrypt-test' });
  privateKey = privateKeyFromPem(pair.privateKeyPem);
  publicKey = createPublicKey(pair.certificatePem);
  publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  expect(keyIdOf(pair.certificatePem)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  dir = await mkdtemp(join(tmpdir(), 'weiche-crypto-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function joseEncrypt(plaintext: Buffer, header: { alg: string; enc: string; kid?: string; cty?: string }): Promise<string> {
  return new CompactEncrypt(plaintext).setProtectedHeader(header).encrypt(publicKey);
}

function flip(segment: string): string {
  const c = segment[5] === 'A' ? 'B' : 'A';
  return segment.slice(0, 5) + c + segment.slice(6);
}

function tamper(compact: string, index: number): string {
  const parts = compact.split('.');
  parts[index] = flip(parts[index] ?? '');
  return parts.join('.');
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function chunked(text: string, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) out.push(Buffer.from(text.slice(i, i + size), 'latin1'));
  return out;
}

async function rejectionOf(p: Promise<unknown>): Promise<JweRejectionReason> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(JweRejectedError);
    const err = e as JweRejectedError;
    expect(err.status).toBe(422);
    expect(err.retryable).toBe(false);
    expect(err.code).toBe('WEICHE_ERR_ENCRYPTION');
    return err.reason;
  }
  throw new Error('expected a rejection');
}

describe('decryptCompactJwe', () => {
  it('decrypts a jose-made JWE and returns header and the fifth segment as tag', async () => {
    const plaintext = Buffer.from(JSON.stringify({ contentStructure: { attachments: [] } }));
    const jwe = await joseEncrypt(plaintext, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID, cty: 'application/json' });
    const out = await decryptCompactJwe(jwe, { privateKey, expectedKid: KID });
    expect(out.plaintext.equals(plaintext)).toBe(true);
    expect(out.header).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID, cty: 'application/json' });
    expect(out.authenticationTag).toBe(jwe.split('.')[4]);
  });

  it('rejects tampered ciphertext, tag, IV and AAD as decryption-failed', async () => {
    const jwe = await joseEncrypt(Buffer.from('secret form content '.repeat(10)), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    expect(await rejectionOf(decryptCompactJwe(tamper(jwe, 3), { privateKey, expectedKid: KID }))).toBe('decryption-failed');
    expect(await rejectionOf(decryptCompactJwe(tamper(jwe, 4), { privateKey, expectedKid: KID }))).toBe('decryption-failed');
    expect(await rejectionOf(decryptCompactJwe(tamper(jwe, 2), { privateKey, expectedKid: KID }))).toBe('decryption-failed');
    expect(await rejectionOf(decryptCompactJwe(tamper(jwe, 1), { privateKey, expectedKid: KID }))).toBe('decryption-failed');
  });

  it('never puts plaintext into the error message', async () => {
    const jwe = await joseEncrypt(Buffer.from('Erika Mustermann'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    await expect(decryptCompactJwe(tamper(jwe, 4), { privateKey, expectedKid: KID })).rejects.not.toThrow(/Erika/);
  });

  it.each<[string, { alg: string; enc: string; kid?: string }, JweRejectionReason]>([
    ['wrong kid', { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'other' }, 'unknown-kid'],
    ['missing kid', { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, 'unknown-kid'],
    ['RSA-OAEP (SHA-1)', { alg: 'RSA-OAEP', enc: 'A256GCM', kid: KID }, 'unsupported-alg'],
    ['A128GCM', { alg: 'RSA-OAEP-256', enc: 'A128GCM', kid: KID }, 'unsupported-enc'],
    ['A256CBC-HS512', { alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: KID }, 'unsupported-enc'],
  ])('rejects %s', async (_name, header, reason) => {
    const jwe = await joseEncrypt(Buffer.from('x'), header);
    expect(await rejectionOf(decryptCompactJwe(jwe, { privateKey, expectedKid: KID }))).toBe(reason);
  });

  it('rejects a zip header', async () => {
    const jwe = encryptCompactRaw({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID, zip: 'DEF' }, Buffer.from('x'), publicKeyPem);
    expect(await rejectionOf(decryptCompactJwe(jwe, { privateKey, expectedKid: KID }))).toBe('zip-not-allowed');
  });

  it.each(['', 'a.b.c', 'not a jwe at all', '!!!!.a.b.c.d', `${Buffer.from('[1]').toString('base64url')}.a.b.c.d`])(
    'rejects malformed input %j',
    async (input) => {
      expect(await rejectionOf(decryptCompactJwe(input, { privateKey, expectedKid: KID }))).toBe('malformed');
    },
  );
});

describe('decryptJweStream', () => {
  it('decrypts a jose-made JWE fed in 7-byte chunks', async () => {
    const plaintext = randomBytes(10_000);
    const jwe = await joseEncrypt(plaintext, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const out = decryptJweStream(Readable.from(chunked(jwe, 7)), { privateKey, expectedKid: KID });
    expect((await drain(out.plaintext)).equals(plaintext)).toBe(true);
    expect(await out.header).toMatchObject({ kid: KID });
    expect(await out.authenticationTag).toBe(jwe.split('.')[4]);
  });

  it('accepts string chunks and a trailing newline', async () => {
    const jwe = await joseEncrypt(Buffer.from('hello'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const source = (async function* () {
      yield jwe.slice(0, 100);
      yield jwe.slice(100) + '\r\n';
    })();
    const out = decryptJweStream(source, { privateKey, expectedKid: KID });
    expect((await drain(out.plaintext)).toString()).toBe('hello');
  });

  it('accepts leading whitespace, as decryptCompactJwe does (the data part is read as a stream too)', async () => {
    const jwe = await joseEncrypt(Buffer.from('hello'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const source = (async function* () {
      yield '\r\n ';
      yield ` ${jwe}`;
    })();
    const out = decryptJweStream(source, { privateKey, expectedKid: KID });
    expect((await drain(out.plaintext)).toString()).toBe('hello');
  });

  it('errors the stream with decryption-failed on a tampered tag or ciphertext', async () => {
    const jwe = await joseEncrypt(randomBytes(5000), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    for (const index of [3, 4]) {
      const out = decryptJweStream(Readable.from(chunked(tamper(jwe, index), 1000)), { privateKey, expectedKid: KID });
      expect(await rejectionOf(drain(out.plaintext))).toBe('decryption-failed');
      expect(await rejectionOf(out.authenticationTag)).toBe('decryption-failed');
    }
  });

  it('rejects a wrong kid before reading the ciphertext', async () => {
    const jwe = await joseEncrypt(Buffer.from('x'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'other' });
    const out = decryptJweStream(Readable.from(chunked(jwe, 50)), { privateKey, expectedKid: KID });
    expect(await rejectionOf(out.header)).toBe('unknown-kid');
    expect(await rejectionOf(drain(out.plaintext))).toBe('unknown-kid');
  });

  it('rejects a truncated JWE as malformed', async () => {
    const jwe = await joseEncrypt(Buffer.from('hello world'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const cut = jwe.slice(0, jwe.lastIndexOf('.'));
    const out = decryptJweStream(Readable.from(chunked(cut, 100)), { privateKey, expectedKid: KID });
    expect(await rejectionOf(drain(out.plaintext))).toBe('malformed');
  });

  it('resolves the header even before the consumer reads', async () => {
    const jwe = await joseEncrypt(randomBytes(200_000), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const out = decryptJweStream(Readable.from(chunked(jwe, 4096)), { privateKey, expectedKid: KID });
    expect(await out.header).toMatchObject({ enc: 'A256GCM' });
    expect((await drain(out.plaintext)).length).toBe(200_000);
  });

  it('emits plaintext in chunks of about 128 KiB, not one per 64 KiB text slice, whatever the source chunks', async () => {
    const MiB = 1024 * 1024;
    const plaintext = randomBytes(6 * MiB);
    const jwe = encryptCompactRaw({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID }, plaintext, publicKeyPem);
    // 1 MiB reads, as the blob store makes them: each is one chunk for the hash tap and the store behind
    const read = decryptJweStream(Readable.from(chunked(jwe, MiB)), { privateKey, expectedKid: KID });
    const chunks: Buffer[] = [];
    for await (const c of read.plaintext) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(plaintext)).toBe(true);
    // at least 128 KiB per chunk but the last of each read (one per 64 KiB slice would be 128 chunks)
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(plaintext.length / (128 * 1024)) + Math.ceil(jwe.length / MiB) + 1);
    // the whole JWE as one buffer: still chunks of 128 KiB (+ one 64 KiB slice decoded), not one of 6 MiB
    const whole = decryptJweStream(Readable.from([Buffer.from(jwe, 'latin1')]), { privateKey, expectedKid: KID });
    const sizes: number[] = [];
    for await (const c of whole.plaintext) sizes.push((c as Buffer).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(plaintext.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(128 * 1024 + 48 * 1024);
    expect(sizes.length).toBeGreaterThanOrEqual(35);
  });

  it('decrypts a 64 MB attachment fed in 999-byte chunks with bounded memory', async () => {
    const path = join(dir, 'big.jwe');
    const MB = 1024 * 1024;
    function* blocks(): Generator<Buffer> {
      for (let i = 0; i < 64; i++) yield randomBytes(MB);
    }
    const written = await encryptJweToFile({ path, publicKeyPem, kid: KID, chunks: blocks() });
    expect(written.plaintextBytes).toBe(64 * MB);

    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const out = decryptJweStream(createReadStream(path, { highWaterMark: 999 }), { privateKey, expectedKid: KID });
      const tap = sha512Tap();
      let bytes = 0;
      for await (const chunk of out.plaintext.pipe(tap)) {
        bytes += (chunk as Buffer).length;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      expect(bytes).toBe(64 * MB);
      expect(tap.digestHex()).toBe(written.sha512);
      expect(await out.authenticationTag).toBe(written.authenticationTag);
    } finally {
      clearInterval(sampler);
    }
    // the whole payload would be 64 MB plaintext + 85 MB base64 text; a streaming decrypt stays far below
    expect(peak - before).toBeLessThan(24 * MB);
  }, 120_000);
});

describe('content key reuse (decrypt once with RSA, again with the returned cek)', () => {
  it('decrypts a compact JWE again from its cek without another RSA unwrap', async () => {
    const plaintext = Buffer.from('{"fachdaten":true}');
    const jwe = await joseEncrypt(plaintext, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const first = await decryptCompactJwe(jwe, { privateKey, expectedKid: KID });
    expect(first.cek).toHaveLength(32);
    const unwraps = cryptoPool().stats().unwrap.tasks;
    const again = await decryptCompactJwe(jwe, { cek: first.cek, expectedKid: KID });
    expect(again.plaintext.equals(plaintext)).toBe(true);
    expect(again.authenticationTag).toBe(first.authenticationTag);
    expect(cryptoPool().stats().unwrap.tasks).toBe(unwraps);
  });

  it('streams an attachment again from the cek of the first pass', async () => {
    const plaintext = randomBytes(300_000);
    const jwe = await joseEncrypt(plaintext, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const first = decryptJweStream(Readable.from(chunked(jwe, 4096)), { privateKey, expectedKid: KID });
    expect((await drain(first.plaintext)).equals(plaintext)).toBe(true);
    const cek = await first.cek;
    const unwraps = cryptoPool().stats().unwrap.tasks;
    const second = decryptJweStream(Readable.from(chunked(jwe, 4096)), { cek, expectedKid: KID });
    expect((await drain(second.plaintext)).equals(plaintext)).toBe(true);
    expect(await second.authenticationTag).toBe(jwe.split('.')[4]);
    expect(cryptoPool().stats().unwrap.tasks).toBe(unwraps);
  });

  it('refuses a wrong or short cek as decryption-failed, and still checks the header', async () => {
    const jwe = await joseEncrypt(Buffer.from('x'.repeat(100)), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    expect(await rejectionOf(decryptCompactJwe(jwe, { cek: randomBytes(32), expectedKid: KID }))).toBe('decryption-failed');
    expect(await rejectionOf(decryptCompactJwe(jwe, { cek: randomBytes(16), expectedKid: KID }))).toBe('decryption-failed');
    const { cek } = await decryptCompactJwe(jwe, { privateKey, expectedKid: KID });
    expect(await rejectionOf(decryptCompactJwe(jwe, { cek, expectedKid: 'other' }))).toBe('unknown-kid');
    const stream = decryptJweStream(Readable.from(chunked(jwe, 50)), { cek: randomBytes(32), expectedKid: KID });
    expect(await rejectionOf(drain(stream.plaintext))).toBe('decryption-failed');
  });
});

describe('test helper cross-check', () => {
  it('encryptCompactRaw output decrypts, so the helper speaks real JWE', async () => {
    const jwe = encryptCompactRaw({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID }, Buffer.from('ok'), publicKeyPem);
    const { compactDecrypt } = await import('jose');
    const out = await compactDecrypt(jwe, privateKey);
    expect(Buffer.from(out.plaintext).toString()).toBe('ok');
    expect(sha512Hex('ok')).toHaveLength(128);
  });
});

describe('key rotation: several keys of one recipient, chosen by kid', () => {
  it('opens a JWE to the old key and one to the new key, and refuses a kid it does not hold', async () => {
    const next = await generateRsaKeyPair({ commonName: 'decrypt-test-next' });
    const nextPublic = createPublicKey(next.certificatePem);
    const keys = new Map([
      [KID, privateKey],
      ['dest-key-2', privateKeyFromPem(next.privateKeyPem)],
    ]);
    const toOld = await joseEncrypt(Buffer.from('to the old key'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID });
    const toNew = await new CompactEncrypt(Buffer.from('to the new key')).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'dest-key-2' }).encrypt(nextPublic);
    expect((await decryptCompactJwe(toOld, { privateKeys: keys })).plaintext.toString()).toBe('to the old key');
    expect((await decryptCompactJwe(toNew, { privateKeys: keys })).plaintext.toString()).toBe('to the new key');
    const streamed = decryptJweStream(Readable.from([toOld]), { privateKeys: keys });
    const parts: Buffer[] = [];
    for await (const chunk of streamed.plaintext) parts.push(chunk as Buffer);
    expect(Buffer.concat(parts).toString()).toBe('to the old key');
    // a kid outside the map is refused before any RSA operation, also when the key material would fit
    const mislabelled = await joseEncrypt(Buffer.from('x'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'dest-key-3' });
    await expect(decryptCompactJwe(mislabelled, { privateKeys: keys })).rejects.toMatchObject({ reason: 'unknown-kid' });
    // a JWE labelled with one kid but wrapped to the other key does not open
    const crossed = await joseEncrypt(Buffer.from('x'), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'dest-key-2' });
    await expect(decryptCompactJwe(crossed, { privateKeys: keys })).rejects.toMatchObject({ reason: 'decryption-failed' });
  });
});
