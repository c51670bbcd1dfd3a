import { constants, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool, defaultCryptoThreads } from './crypto-pool.js';

let privateKey: KeyObject;
let publicKey: KeyObject;
let otherKey: KeyObject;
const cek = randomBytes(32);
let wrapped: Buffer;

beforeAll(() => {
  ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 }));
  otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
});

describe.each([
  ['two worker threads', 2],
  ['the calling thread (threads: 0)', 0],
])('CryptoPool on %s', (_name, threads) => {
  const pool = new CryptoPool({ threads });
  afterAll(() => pool.close());

  it('unwraps an RSA-OAEP-256 content key', async () => {
    const traced = await pool.runTraced({ op: 'unwrap', key: privateKey, wrapped, oaepHash: 'sha256' });
    expect(traced.output.equals(cek)).toBe(true);
    expect(Buffer.isBuffer(traced.output)).toBe(true);
    if (threads === 0) expect(traced.threadId).toBe(0);
    else expect(traced.threadId).not.toBe(0);
  });

  it('signs PS512 and RS256 so that the public key verifies', async () => {
    const data = Buffer.from('eyJhbGciOiJQUzUxMiJ9.eyJzdWIiOiJ4In0', 'ascii');
    const ps512 = await pool.run({ op: 'sign', key: privateKey, algorithm: 'PS512', data });
    expect(verify('sha512', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, ps512)).toBe(true);
    const rs256 = await pool.run({ op: 'sign', key: privateKey, algorithm: 'RS256', data });
    expect(verify('sha256', data, createPublicKey(privateKey), rs256)).toBe(true);
    expect(verify('sha256', Buffer.from('other'), publicKey, rs256)).toBe(false);
  });

  it('rejects the promise when the key does not fit, and keeps working', async () => {
    await expect(pool.run({ op: 'unwrap', key: otherKey, wrapped, oaepHash: 'sha256' })).rejects.toThrow();
    await expect(pool.run({ op: 'unwrap', key: privateKey, wrapped, oaepHash: 'sha1' })).rejects.toThrow();
    expect((await pool.run({ op: 'unwrap', key: privateKey, wrapped, oaepHash: 'sha256' })).equals(cek)).toBe(true);
  });

  it('counts tasks and their time per operation', async () => {
    const before = pool.stats();
    await Promise.all(Array.from({ length: 4 }, () => pool.run({ op: 'unwrap', key: privateKey, wrapped, oaepHash: 'sha256' })));
    const after = pool.stats();
    expect(after.threads).toBe(threads);
    expect(after.unwrap.tasks - before.unwrap.tasks).toBe(4);
    expect(after.unwrap.ms).toBeGreaterThan(before.unwrap.ms);
  });
});

describe('CryptoPool with two threads', () => {
  it('spreads concurrent tasks over both threads, off the main thread', async () => {
    const pool = new CryptoPool({ threads: 2 });
    try {
      const results = await Promise.all(Array.from({ length: 24 }, () => pool.runTraced({ op: 'unwrap', key: privateKey, wrapped, oaepHash: 'sha256' })));
      const threads = new Set(results.map((r) => r.threadId));
      expect(threads.has(0)).toBe(false);
      expect(threads.size).toBe(2);
    } finally {
      await pool.close();
    }
  });
});

describe('defaultCryptoThreads', () => {
  it('reads WEICHE_CRYPTO_THREADS and refuses nonsense', () => {
    expect(defaultCryptoThreads({ WEICHE_CRYPTO_THREADS: '3' })).toBe(3);
    expect(defaultCryptoThreads({ WEICHE_CRYPTO_THREADS: '0' })).toBe(0);
    expect(defaultCryptoThreads({})).toBeGreaterThanOrEqual(1);
    expect(() => defaultCryptoThreads({ WEICHE_CRYPTO_THREADS: 'many' })).toThrow(/WEICHE_CRYPTO_THREADS/);
    expect(() => new CryptoPool({ threads: -1 })).toThrow(RangeError);
  });
});
