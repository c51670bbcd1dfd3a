import { execFileSync } from 'node:child_process';
import { createHash, privateDecrypt, publicEncrypt, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeicheError } from '@weiche/core';
import { openOsciKeystore } from './keystore.js';
import { buildPkcs12, createTestIdentity } from './test-support.js';
import type { TestIdentity } from './test-support.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('openOsciKeystore', () => {
  let a: TestIdentity;
  let b: TestIdentity;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestIdentity({ commonName: 'Leser A' }), createTestIdentity({ commonName: 'Leser B' })]);
  });

  it('opens every key bag of a PKCS#12 with its certificate', () => {
    const ks = openOsciKeystore({ pkcs12: buildPkcs12({ identities: [a, b], password: 'geheim' }), password: 'geheim' });
    expect(ks.entries).toHaveLength(2);
    for (const [entry, id] of [
      [ks.entries[0], a],
      [ks.entries[1], b],
    ] as const) {
      if (!entry) throw new Error('entry missing');
      const cert = new X509Certificate(id.certificatePem);
      expect(entry.certificateSha256).toBe(createHash('sha256').update(cert.raw).digest('hex'));
      expect(entry.serialNumber).toBe(BigInt(`0x${cert.serialNumber}`).toString(10));
      expect(entry.issuerName).toMatch(/^CN=Leser [AB],O=Weiche Test,C=DE$/);
      expect(entry.subjectKeyIdentifier?.length).toBe(20);
      // the key really is the certificate's private key
      const secret = Buffer.from('k');
      expect(privateDecrypt(entry.privateKey, publicEncrypt(id.certificatePem, secret)).equals(secret)).toBe(true);
    }
  });

  it('refuses a wrong password as a config error', () => {
    const p12 = buildPkcs12({ identities: [a], password: 'geheim' });
    expect(() => openOsciKeystore({ pkcs12: p12, password: 'falsch' })).toThrow(WeicheError);
    expect(() => openOsciKeystore({ pkcs12: p12, password: 'falsch' })).toThrow(/wrong password/);
  });

  it('refuses a file that is not PKCS#12', () => {
    expect(() => openOsciKeystore({ pkcs12: Buffer.from('not a keystore'), password: 'x' })).toThrow(/not a PKCS#12/);
  });

  it.skipIf(!hasOpenssl())('opens keystores written by OpenSSL (PBES2/AES default and -legacy RC2/3DES)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiche-osci-p12-'));
    try {
      writeFileSync(join(dir, 'k.pem'), a.privateKeyPem);
      writeFileSync(join(dir, 'c.pem'), a.certificatePem);
      for (const extra of [[], ['-legacy']]) {
        const out = join(dir, `ks${extra.length}.p12`);
        execFileSync('openssl', ['pkcs12', '-export', ...extra, '-inkey', join(dir, 'k.pem'), '-in', join(dir, 'c.pem'), '-out', out, '-passout', 'pass:geheim'], {
          stdio: 'ignore',
        });
        const ks = openOsciKeystore({ pkcs12: readFileSync(out), password: 'geheim' });
        expect(ks.entries.map((e) => e.certificateSha256)).toEqual([
          createHash('sha256').update(new X509Certificate(a.certificatePem).raw).digest('hex'),
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
