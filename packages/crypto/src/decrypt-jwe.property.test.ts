import type { KeyObject } from 'node:crypto';
import { createPublicKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CompactEncrypt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptCompactJwe } from './decrypt-jwe.js';
import { JweRejectedError } from './jwe-header.js';
import { generateRsaKeyPair, privateKeyFromPem } from './keys.js';

// Issue 13 §6: any compact JWE string → the plaintext, or a JweRejectedError (an input problem the
// sender is told), never another exception, in bounded time. Seeded and bounded; FC_SEED / FC_RUNS run it longer.
const seed = Number(process.env.FC_SEED ?? 13013);
const numRuns = Number(process.env.FC_RUNS ?? 300);
const KID = 'dest-key-1';
const PLAINTEXT = Buffer.from('{"antrag":"Gartenhaus"}');

let privateKey: KeyObject;
let valid: string;
let cek: Buffer;

beforeAll(async () => {
  const pair = await generateRsaKeyPair({ commonName: 'jwe-property' });
  privateKey = privateKeyFromPem(pair.privateKeyPem);
  valid = await new CompactEncrypt(PLAINTEXT).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID }).encrypt(createPublicKey(pair.certificatePem));
  ({ cek } = await decryptCompactJwe(valid, { privateKey, expectedKid: KID }));
});

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Segments a hostile sender might send: other headers, junk base64url, wrong lengths, non-base64 characters. */
function segment(index: number): fc.Arbitrary<string> {
  const original = (): string => valid.split('.')[index] ?? '';
  return fc.oneof(
    fc.constant(null).map(original),
    fc.string({ maxLength: 60 }),
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.constantFrom('', '=', '..', '\u0000', '\ud800', ' ', '+/', 'A'.repeat(5000)),
    fc.record({ alg: fc.constantFrom('RSA-OAEP-256', 'RSA1_5', 'dir', 'none'), enc: fc.constantFrom('A256GCM', 'A128CBC-HS256'), kid: fc.constantFrom(KID, 'other'), zip: fc.constantFrom(undefined, 'DEF'), crit: fc.constantFrom(undefined, ['x']) }, { requiredKeys: [] }).map(b64url),
    fc.jsonValue().map(b64url),
    fc.constant(null).map(() => {
      const s = original();
      const i = s.length > 0 ? s.length >> 1 : 0;
      return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    }),
  );
}

const compact = fc.oneof(
  fc.tuple(segment(0), segment(1), segment(2), segment(3), segment(4)).map((parts) => parts.join('.')),
  fc.array(segment(3), { maxLength: 8 }).map((parts) => parts.join('.')),
  fc.string({ unit: 'binary', maxLength: 400 }),
);

async function onlyRejections(jwe: string, key: { privateKey: KeyObject } | { cek: Buffer }): Promise<void> {
  const started = performance.now();
  try {
    const { plaintext } = await decryptCompactJwe(jwe, { ...key, expectedKid: KID });
    // AES-GCM: only the untouched message (or one differing in what base64url ignores) decrypts
    expect(plaintext.equals(PLAINTEXT)).toBe(true);
  } catch (error) {
    if (!(error instanceof JweRejectedError)) throw error;
    expect(error.status).toBe(422);
    expect(error.message).not.toContain(PLAINTEXT.toString());
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('property: decryptCompactJwe refuses what it cannot open, with a JWE rejection', () => {
  it('with the content key (no RSA): any five segments, any number of segments, any string', async () => {
    await fc.assert(fc.asyncProperty(compact, (jwe) => onlyRejections(jwe, { cek })), { seed, numRuns });
  });

  it('with the private key (RSA-OAEP unwrap of arbitrary encrypted keys)', async () => {
    await fc.assert(fc.asyncProperty(compact, (jwe) => onlyRejections(jwe, { privateKey })), { seed, numRuns: Math.max(20, numRuns >> 2) });
  });

  it('a random 32-byte content key never opens it', async () => {
    await expect(decryptCompactJwe(valid, { cek: randomBytes(32), expectedKid: KID })).rejects.toBeInstanceOf(JweRejectedError);
  });
});
